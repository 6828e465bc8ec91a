"""Plan revisions: a plan loaded again for its region and year is previewed, applied, audited and undoable.

A target changed on an indicator with figures becomes a target revision from the effective month on, so
earlier months stay judged against the target then in force. An indicator removed from the plan that has
figures, 督办 items or target revisions is retired (kept, its history shown, no longer asked from the
effective month on); one without any is deleted. No revision deletes a reported figure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from duban.choices import RevisionState
from duban.persistence.audit import audited
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow, utcnow
from duban.persistence.project_models import ProjectRow
from duban.persistence.revision_models import PlanRevisionRow, TargetRevisionRow
from duban.persistence.supervision_models import SupervisionItemRow
from duban.plan.lineage import MAPPINGS
from duban.plan.model import Area, Indicator, Plan
from duban.plan.revision import (
    ChangeKind,
    FieldChange,
    IndicatorChange,
    aligned_plan,
    keeping,
    match_indicators,
    plan_changes,
)
from duban.services.plans import plan_from_store, write_plan
from duban.services.revisions import revise_target
from duban.supervision.rules import SupervisionRules

APPLIED, UNDONE = "applied", "undone"


class PlanRevisionError(ValueError):
    """A plan revision that cannot be made or undone, explained in Chinese."""


@dataclass(frozen=True)
class Touched:
    """One change with what it touches: figures reported, 督办 items and ledger projects."""

    change: IndicatorChange
    figures: int = 0
    items: int = 0
    projects: int = 0
    revisions: int = 0

    @property
    def retires(self) -> bool:
        """A removed indicator with a history is retired, not deleted."""
        return self.change.kind is ChangeKind.REMOVED and bool(self.figures or self.items or self.revisions)


@dataclass(frozen=True)
class PlanPreview:
    """What applying a loaded plan would change, before anything is written."""

    region: str
    year: int
    effective_month: int
    plan: Plan
    changes: list[Touched]
    plan_fields: list[FieldChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.changes and not self.plan_fields

    def of_kind(self, kind: ChangeKind) -> list[Touched]:
        return [t for t in self.changes if t.change.kind is kind]

    def summary(self) -> str:
        """新增 1 个、修改 2 个、删除 1 个(停用 1 个)指标."""
        if self.empty:
            return "与数据库中的计划相同，没有变化"
        retired = sum(t.retires for t in self.of_kind(ChangeKind.REMOVED))
        counts = "、".join(f"{k.label} {len(self.of_kind(k))} 个" for k in ChangeKind if self.of_kind(k))
        if not counts:
            return "指标无变化，计划的其他内容有修改"
        return f"{counts}指标" + (f"（其中 {retired} 个已有数据，将停用而不删除）" if retired else "")


def preview_plan_revision(
    *, session: Session, plan_row: PlanRow, plan: Plan, today: date, effective_month: int | None = None,
    trust_codes: bool = True, keep: Collection[str] = (),
) -> PlanPreview:  # fmt: skip
    """The changes `plan` would make to the stored plan of its region and year, with what each touches.

    Indicators coded in `keep` stay as stored (the office's per-row choice on the diff page)."""
    stored = plan_from_store(session=session, plan_row=plan_row)
    matches = match_indicators(old=stored, new=plan, trust_codes=trust_codes)
    aligned = aligned_plan(old=stored, new=plan, matches=matches)
    if "review" not in plan.model_fields_set:  # a file without `review:` keeps the office's review rules
        aligned = aligned.model_copy(update={"review": stored.review})
    aligned = keeping(new=aligned, old=stored, keep=keep)
    renamed = {old: new for new, old in matches.items() if new != old}
    changes = [_with_draft_code(c, renamed) for c in plan_changes(old=stored, new=aligned)]
    month = effective_month or open_month(session=session, plan_row=plan_row, today=today)
    return PlanPreview(plan.region, plan.year, month, aligned, _touched(session, plan_row, stored, aligned, changes),
                       _plan_fields(stored, aligned))  # fmt: skip


def _with_draft_code(change: IndicatorChange, renamed: dict[str, str]) -> IndicatorChange:
    if change.code not in renamed:
        return change
    return IndicatorChange(change.kind, change.code, change.name, change.fields, renamed[change.code])


def open_month(*, session: Session, plan_row: PlanRow, today: date) -> int:
    """The first month whose reporting deadline has not passed: where a revision starts to count."""
    months = session.scalars(
        select(PeriodRow.month).where(PeriodRow.plan_id == plan_row.id, PeriodRow.deadline >= today)
        .order_by(PeriodRow.month)
    ).first()  # fmt: skip
    if months is not None:
        return months
    has_periods = session.scalar(
        select(func.count()).select_from(PeriodRow).where(PeriodRow.plan_id == plan_row.id)
    )
    return 12 if has_periods else 1


def _touched(
    session: Session, plan_row: PlanRow, stored: Plan, new: Plan, changes: list[IndicatorChange]
) -> list[Touched]:
    ids = _indicator_ids(session, plan_row)
    figures = _counts(session, select(EntryRow.indicator_id, func.count()).group_by(EntryRow.indicator_id))
    items = _item_counts(session)
    revisions = _counts(session, select(TargetRevisionRow.indicator_id, func.count())
                        .group_by(TargetRevisionRow.indicator_id))  # fmt: skip
    projects = _project_count(session, plan_row.id)
    fed = {i.id for i in [*stored.indicators(), *new.indicators()] if i.feed}
    return [
        Touched(c, figures.get(ids.get(c.code, -1), 0), items.get(ids.get(c.code, -1), 0),
                projects if c.code in fed else 0, revisions.get(ids.get(c.code, -1), 0))
        for c in changes
    ]  # fmt: skip


def _indicator_ids(session: Session, plan_row: PlanRow) -> dict[str, int]:
    query = select(IndicatorRow.code, IndicatorRow.id).where(IndicatorRow.plan_id == plan_row.id)
    return {code: id_ for code, id_ in session.execute(query)}


def _counts(session: Session, query: Any) -> dict[int, int]:
    return {key: count for key, count in session.execute(query)}


def _item_counts(session: Session) -> dict[int, int]:
    query = select(SupervisionItemRow.indicator_id, func.count()).group_by(SupervisionItemRow.indicator_id)
    return {k: v for k, v in session.execute(query) if k is not None}


def _project_count(session: Session, plan_id: int) -> int:
    return (
        session.scalar(select(func.count()).select_from(ProjectRow).where(ProjectRow.plan_id == plan_id)) or 0
    )


def _plan_fields(stored: Plan, new: Plan) -> list[FieldChange]:
    """Changes outside the indicators: title, thresholds, units, areas and tasks, supervision rules."""
    pairs = [
        ("title", "计划名称", stored.title, new.title),
        ("thresholds", "滞后判定阈值", stored.thresholds.model_dump(mode="json"), new.thresholds.model_dump(mode="json")),
        ("supervision", "督办规则", _rules(stored.supervision), _rules(new.supervision)),
        ("review", "四眼审核", _on(stored.review.four_eyes), _on(new.review.four_eyes)),
    ]  # fmt: skip
    fields = [
        FieldChange(name, label, _brief(old), _brief(new_)) for name, label, old, new_ in pairs if old != new_
    ]
    added_units = [u.name for u in new.units if u.name not in stored.unit_names()]
    if added_units:
        fields.append(FieldChange("units", "新增单位", "—", "、".join(added_units)))
    return fields


def _structure(areas: list[Area]) -> dict[str, tuple[Any, ...]]:
    """方面 and 任务 by code: name (or title), weight and lead unit; their indicators are compared one by one."""
    found: dict[str, tuple[Any, ...]] = {}
    for a in areas:
        found[f"方面 {a.code}"] = (a.name, f"{a.weight.normalize():f}", a.livelihood)
        found |= {f"任务 {a.code}/{t.code}": (t.title, t.lead_unit) for t in a.tasks}
    return found


def _structure_changes(old: dict[str, tuple[Any, ...]], new: dict[str, tuple[Any, ...]]) -> list[FieldChange]:
    """Areas and tasks renamed or given another lead unit, and new ones; emptied ones go with their indicators."""
    changed = [FieldChange("areas", key, _brief(old[key]), _brief(new[key])) for key in old if key in new
               and old[key] != new[key]]  # fmt: skip
    return changed + [
        FieldChange("areas", f"新增{key}", "—", _brief(new[key])) for key in new if key not in old
    ]


def _rules(rules: SupervisionRules | None) -> dict[str, Any]:
    return (rules or SupervisionRules()).model_dump(mode="json")


def _on(flag: bool) -> str:
    return "启用" if flag else "不启用"


def _brief(value: Any) -> str:
    if isinstance(value, tuple):
        return " · ".join(str(v) for v in value if v is not None and not isinstance(v, bool))
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return "—" if value is None else str(value)


def apply_plan_revision(
    *, session: Session, plan_row: PlanRow, plan: Plan, user_id: int | None, reason: str,
    today: date | None = None, effective_month: int | None = None, trust_codes: bool = True,
    keep: Collection[str] = (),
) -> PlanRevisionRow | None:  # fmt: skip
    """Apply `plan` to the stored plan as previewed (`keep`: indicators left as stored); audited and undoable.

    None when nothing changes."""
    preview = preview_plan_revision(session=session, plan_row=plan_row, plan=plan, today=today or date.today(),
                                    effective_month=effective_month, trust_codes=trust_codes, keep=keep)  # fmt: skip
    if preview.empty:
        return None
    before = _snapshot(session, plan_row)
    revision = PlanRevisionRow(plan_id=plan_row.id, effective_month=preview.effective_month, reason=reason.strip() or
                               "计划修订", state=APPLIED, changes={}, before=before, created_by=user_id)  # fmt: skip
    records = [_change_record(t) for t in preview.changes]
    before_maps, after_maps = _mappings_changed(records)
    facts = {"summary": preview.summary(), "kept": sorted(keep), "mappings": after_maps}
    with audited(session, actor=user_id, action="plan.revise", reason=revision.reason, subject=revision,
                 old={"mappings": before_maps}, new=facts):  # fmt: skip
        session.add(revision)
        session.flush()
        target_revisions = _revise_targets(session, plan_row, preview, revision, user_id)
        retired = [t.change.code for t in preview.of_kind(ChangeKind.REMOVED) if t.retires]
        _write(session, plan_row, preview.plan, retire=dict.fromkeys(retired, preview.effective_month))
        revision.changes = _recorded(preview, records, target_revisions, retired)
    return revision


def _mappings_changed(
    records: Iterable[dict[str, Any]],
) -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Code → each `last_year` / `above` mapping a revision changes, before and after (as the diff shows), from
    its indicators' change records (`_change_record`)."""
    before: dict[str, dict[str, str]] = {}
    after: dict[str, dict[str, str]] = {}
    for record in (r for r in records if r["kind"] == ChangeKind.CHANGED.value):
        for change in (f for f in record["fields"] if f["field"] in MAPPINGS):
            before.setdefault(record["code"], {})[change["field"]] = change["old"]
            after.setdefault(record["code"], {})[change["field"]] = change["new"]
    return before, after


def _snapshot(session: Session, plan_row: PlanRow) -> dict[str, Any]:
    every = plan_from_store(session=session, plan_row=plan_row, retired=True)
    retired = {r.code: r.retired_from for r in _rows(session, plan_row) if r.retired_from is not None}
    return {"plan": every.model_dump(mode="json"), "retired": retired}


def _rows(session: Session, plan_row: PlanRow) -> list[IndicatorRow]:
    return list(session.scalars(select(IndicatorRow).where(IndicatorRow.plan_id == plan_row.id)))


def _revise_targets(
    session: Session, plan_row: PlanRow, preview: PlanPreview, revision: PlanRevisionRow, user_id: int | None
) -> list[int]:
    """Target and share changes of indicators with figures, as target revisions from the effective month."""
    ids = _indicator_ids(session, plan_row)
    units = {u.name: u.id for u in session.scalars(select(OrgUnitRow))}
    made = []
    for touched in preview.of_kind(ChangeKind.CHANGED):
        for change in touched.change.fields if touched.figures else ():
            unit = _revisable_unit(change, units)
            if change.field == "target" or unit is not None:
                row = revise_target(session=session, indicator_id=ids[touched.change.code], unit_id=unit,
                                    new_value=_new_value(preview.plan, touched.change.code, change.unit),
                                    effective_month=preview.effective_month, user_id=user_id,
                                    reason=f"计划修订 #{revision.id}：{revision.reason}")  # fmt: skip
                made.append(row.id)
    return made


def _revisable_unit(change: FieldChange, units: dict[str, int]) -> int | None:
    """A breakdown share that existed before and after can be revised from a month on; None otherwise."""
    if change.field != "breakdown" or change.unit is None or "—" in (change.old, change.new):
        return None
    return units.get(change.unit)


def _new_value(plan: Plan, code: str, unit: str | None) -> Any:
    ind = next(i for i in plan.indicators() if i.id == code)
    return ind.breakdown.targets[unit] if unit and ind.breakdown else ind.target


def _write(session: Session, plan_row: PlanRow, plan: Plan, *, retire: dict[str, int]) -> None:
    """Write `plan` plus every retired indicator (newly and earlier), refusing to drop any history."""
    rows = {r.code: r for r in _rows(session, plan_row)}
    previously = {code for code, r in rows.items() if r.retired_from is not None and code not in _codes(plan)}
    keep = (set(retire) | previously) - _codes(plan)
    full = _with_retained(plan, plan_from_store(session=session, plan_row=plan_row, retired=True), keep)
    _refuse_losing_history(session, plan_row, _codes(full))
    write_plan(session=session, row=plan_row, plan=full)
    now = utcnow()
    for code, row in {r.code: r for r in _rows(session, plan_row)}.items():
        if code in retire:
            row.retired_from, row.retired_at = retire[code], now
        elif code not in keep:
            row.retired_from, row.retired_at = None, None
    session.flush()


def _codes(plan: Plan) -> set[str]:
    return {i.id for i in plan.indicators()}


def _with_retained(plan: Plan, stored: Plan, keep: set[str]) -> Plan:
    """`plan` with the stored indicators in `keep` back in their stored area and task (re-created if gone)."""
    areas = [a.model_copy(deep=True) for a in plan.areas]
    for area in stored.areas:
        for task in area.tasks:
            kept = [i for i in task.indicators if i.id in keep]
            if kept:
                _task_for(areas, area, task.code, task).indicators.extend(kept)
    return plan.model_copy(update={"areas": areas})


def _task_for(areas: list[Area], area: Area, code: str, stored_task: Any) -> Any:
    home = next((a for a in areas if a.code == area.code), None)
    if home is None:
        home = area.model_copy(update={"tasks": []})
        areas.append(home)
    task = next((t for a in areas for t in a.tasks if t.code == code), None)
    if task is None:
        task = stored_task.model_copy(update={"indicators": []})
        home.tasks.append(task)
    return task


def _refuse_losing_history(session: Session, plan_row: PlanRow, kept: set[str]) -> None:
    """The last guard: no write drops an indicator that has figures (their rows would go with it)."""
    query = (
        select(IndicatorRow.code).join(EntryRow, EntryRow.indicator_id == IndicatorRow.id)
        .where(IndicatorRow.plan_id == plan_row.id).distinct()
    )  # fmt: skip
    lost = sorted(set(session.scalars(query)) - kept)
    if lost:
        raise PlanRevisionError(f"指标 {'、'.join(lost)} 已有填报数据，不能删除；计划未更改")


def _recorded(
    preview: PlanPreview, records: list[dict[str, Any]], target_revisions: list[int], retired: list[str]
) -> dict[str, Any]:
    return {
        "summary": preview.summary(),
        "indicators": records,
        "plan_fields": [vars(f) for f in preview.plan_fields],
        "target_revisions": target_revisions,
        "retired": retired,
    }


def _change_record(touched: Touched) -> dict[str, Any]:
    c = touched.change
    return {"kind": c.kind.value, "code": c.code, "name": c.name, "draft_code": c.draft_code,
            "fields": [vars(f) for f in c.fields], "figures": touched.figures, "items": touched.items,
            "projects": touched.projects, "retired": touched.retires}  # fmt: skip


def latest_revision(*, session: Session, plan_id: int) -> PlanRevisionRow | None:
    """The newest applied (not undone) revision of the plan: the one that can be undone."""
    query = select(PlanRevisionRow).where(
        PlanRevisionRow.plan_id == plan_id, PlanRevisionRow.state == APPLIED
    )
    return session.scalars(query.order_by(PlanRevisionRow.id.desc())).first()


def revisions_of(*, session: Session, plan_id: int) -> list[PlanRevisionRow]:
    """Every revision of the plan, newest first."""
    query = select(PlanRevisionRow).where(PlanRevisionRow.plan_id == plan_id)
    return list(session.scalars(query.order_by(PlanRevisionRow.id.desc())))


def undo_plan_revision(*, session: Session, revision_id: int, user_id: int | None) -> PlanRevisionRow:
    """Put the plan back as it was before the revision; only the newest applied one can be undone."""
    revision = session.get(PlanRevisionRow, revision_id)
    if revision is None or revision.state != APPLIED:
        raise PlanRevisionError(f"计划修订 #{revision_id} 不存在或已撤销")
    if latest_revision(session=session, plan_id=revision.plan_id) is not revision:
        raise PlanRevisionError("只能撤销最近一次计划修订，请先撤销之后的修订")
    plan_row = session.get(PlanRow, revision.plan_id)
    assert plan_row is not None
    revised_from, revised_to = _mappings_changed(revision.changes.get("indicators", []))
    old = {"summary": revision.changes.get("summary"), "mappings": revised_to}
    with audited(session, actor=user_id, action="plan.revise.undo", subject=revision, old=old,
                 new={"mappings": revised_from}):  # fmt: skip
        _withdraw(session, revision.changes.get("target_revisions", []), user_id)
        before = Plan.model_validate(revision.before["plan"])
        retire = dict(revision.before["retired"]) | _added_with_history(
            session, plan_row, before, revision.effective_month
        )
        _write(session, plan_row, before, retire=retire)
        revision.state, revision.undone_by, revision.undone_at = UNDONE, user_id, utcnow()
    return revision


def _withdraw(session: Session, ids: Iterable[int], user_id: int | None) -> None:
    for row in session.scalars(select(TargetRevisionRow).where(TargetRevisionRow.id.in_(list(ids)))):
        with audited(session, actor=user_id, action="target.withdraw", subject=row):
            row.state = RevisionState.WITHDRAWN.value
    session.flush()


def _added_with_history(session: Session, plan_row: PlanRow, before: Plan, month: int) -> dict[str, int]:
    """Indicators the revision added that have since got figures: retired by the undo, never deleted."""
    touched = _touched(session, plan_row, before, before, [
        IndicatorChange(ChangeKind.REMOVED, r.code, r.name) for r in _rows(session, plan_row)
        if r.code not in _codes(before)
    ])  # fmt: skip
    return {t.change.code: month for t in touched if t.retires}


def indicator_of(plan: Plan, code: str) -> Indicator | None:
    """The plan's indicator of `code`, if any."""
    return next((i for i in plan.indicators() if i.id == code), None)
