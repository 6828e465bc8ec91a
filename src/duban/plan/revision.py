"""A plan loaded again for the same region and year, as a list of changes to the plan in force.

Indicators are matched by code, and by their source quote where the code is new (or, for an ingest
draft whose codes are only sequence numbers, where the quotes disagree). Pure: no storage or web.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from duban.plan.lineage import MAPPINGS, NEW, mapped_code
from duban.plan.model import Area, Indicator, Plan, Task

# Fields an ingest draft may change on a matched indicator; the rest stay as the office curated them.
DRAFT_FIELDS = ("target", "comparator", "aspiration", "quote", "offset", "line")
_COMPARED = {
    "name": "名称", "unit": "计量单位", "display_unit": "显示单位", "kind": "指标类型", "comparator": "比较方式", "target": "目标值",
    "aspiration": "力争", "baseline": "基数", "accumulation": "累计方式", "scope": "范围", "lead_unit": "牵头单位",
    "co_units": "配合单位", "due": "完成时限", "profile": "序时进度", "feed": "项目库数据来源", "ledger_check": "与台账核对容差", "formula": "计算公式",
}  # fmt: skip


class ChangeKind(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return {"added": "新增", "changed": "修改", "removed": "删除"}[self.value]


@dataclass(frozen=True)
class FieldChange:
    """One field of an indicator, before and after; `unit` names the unit for a breakdown share."""

    field: str
    label: str
    old: str
    new: str
    unit: str | None = None


@dataclass(frozen=True)
class IndicatorChange:
    """An indicator added, changed or removed; `draft_code` is the loaded code when matched by quote."""

    kind: ChangeKind
    code: str
    name: str
    fields: tuple[FieldChange, ...] = ()
    draft_code: str | None = None


def normal_quote(quote: str | None) -> str:
    """A quote without emphasis marks and whitespace, so that line breaks in the source do not matter."""
    return re.sub(r"\s|\*\*", "", quote or "")


def match_indicators(*, old: Plan, new: Plan, trust_codes: bool = True) -> dict[str, str]:
    """New indicator code → the old indicator it revises; codes first, then source quotes."""
    olds = {ind.id: ind for ind in old.indicators()}
    matches = {
        ind.id: ind.id
        for ind in new.indicators()
        if ind.id in olds and (trust_codes or _same_source(ind, olds[ind.id]))
    }
    free = [ind for ind in old.indicators() if ind.id not in matches.values()]
    for ind in new.indicators():
        if ind.id not in matches and (found := _quoted_match(ind, free)) is not None:
            matches[ind.id] = found.id
            free.remove(found)
    return matches


def _same_source(new: Indicator, old: Indicator) -> bool:
    a, b = normal_quote(new.quote), normal_quote(old.quote)
    return not a or not b or a in b or b in a


def _quoted_match(ind: Indicator, candidates: list[Indicator]) -> Indicator | None:
    """The first candidate whose quote contains or is contained in the indicator's, same target first."""
    quoted = [
        c for c in candidates if normal_quote(ind.quote) and _same_source(ind, c) and normal_quote(c.quote)
    ]
    same_target = [c for c in quoted if c.target == ind.target]
    best = same_target or quoted
    return best[0] if best else None


def aligned_plan(*, old: Plan, new: Plan, matches: dict[str, str]) -> Plan:
    """`new` with matched indicators under their old codes and new ones renamed off codes already taken."""
    taken = {ind.id for ind in old.indicators()} | set(matches)
    renames = dict(matches)
    for ind in new.indicators():
        if ind.id not in matches and ind.id in {i.id for i in old.indicators()}:
            renames[ind.id] = _free_code(ind.id, taken)
            taken.add(renames[ind.id])
    return _renamed(new, renames)


def keeping(*, new: Plan, old: Plan, keep: Collection[str]) -> Plan:
    """`new` with the indicators coded in `keep` as `old` has them: a changed one as stored, an added one left
    out, a removed one back at the end of its task (when `new` still has that task)."""
    if not keep:
        return new
    stored = {ind.id: ind for ind in old.indicators()}
    task_of = {ind.id: task.code for area in old.areas for task in area.tasks for ind in task.indicators}
    present = {ind.id for ind in new.indicators()}

    def kept(task: Task) -> Task:
        own = [stored.get(i.id, i) if i.id in keep else i for i in task.indicators
               if i.id not in keep or i.id in stored]  # fmt: skip
        back = [stored[c] for c in keep if c in stored and c not in present and task_of[c] == task.code]
        return task.model_copy(update={"indicators": own + back})

    areas = [area.model_copy(update={"tasks": [kept(t) for t in area.tasks]}) for area in new.areas]
    return new.model_copy(update={"areas": areas})


def _free_code(code: str, taken: set[str]) -> str:
    stem = code.rstrip("0123456789") or code
    number = 1
    while f"{stem}{number:03d}" in taken:
        number += 1
    return f"{stem}{number:03d}"


def _renamed(plan: Plan, renames: dict[str, str]) -> Plan:
    def one(ind: Indicator) -> Indicator:
        same_as = renames.get(ind.same_as, ind.same_as) if ind.same_as else None
        return ind.model_copy(update={"id": renames.get(ind.id, ind.id), "same_as": same_as})

    return _with_indicators(plan, one)


def _with_indicators(plan: Plan, change: Any) -> Plan:
    areas = [
        area.model_copy(update={"tasks": [
            task.model_copy(update={"indicators": [change(ind) for ind in task.indicators]}) for task in area.tasks
        ]})
        for area in plan.areas
    ]  # fmt: skip
    return plan.model_copy(update={"areas": areas})


def plan_changes(*, old: Plan, new: Plan) -> list[IndicatorChange]:
    """Added, changed and removed indicators of aligned plans (matched indicators share their code)."""
    olds = {ind.id: ind for ind in old.indicators()}
    news = {ind.id: ind for ind in new.indicators()}
    changes = []
    for code, ind in news.items():
        if code not in olds:
            changes.append(IndicatorChange(ChangeKind.ADDED, code, ind.name))
        elif fields := indicator_fields_changed(old=olds[code], new=ind):
            changes.append(IndicatorChange(ChangeKind.CHANGED, code, ind.name, tuple(fields)))
    changes += [IndicatorChange(ChangeKind.REMOVED, c, i.name) for c, i in olds.items() if c not in news]
    return changes


def indicator_fields_changed(*, old: Indicator, new: Indicator) -> list[FieldChange]:
    """Each compared field whose value differs, breakdown shares one unit at a time."""
    fields = [
        FieldChange(name, label, _shown(getattr(old, name)), _shown(getattr(new, name)))
        for name, label in _COMPARED.items()
        if _comparable(getattr(old, name)) != _comparable(getattr(new, name))
    ]
    return fields + _mapping_changes(old, new) + _breakdown_changes(old, new)


def _mapping_changes(old: Indicator, new: Indicator) -> list[FieldChange]:
    """Last year's and the plan above's indicator it maps to, by the code each names (unset: its own)."""
    pairs = [
        (name, label, mapped_code(old, name), mapped_code(new, name)) for name, label in MAPPINGS.items()
    ]
    return [
        FieldChange(name, label, _mapped_shown(a), _mapped_shown(b)) for name, label, a, b in pairs if a != b
    ]


def _mapped_shown(code: str) -> str:
    return "无" if code == NEW else code


def _breakdown_changes(old: Indicator, new: Indicator) -> list[FieldChange]:
    before = old.breakdown.targets if old.breakdown else {}
    after = new.breakdown.targets if new.breakdown else {}
    changes = [
        FieldChange("breakdown", "分解目标", _shown(before.get(unit)), _shown(after.get(unit)), unit)
        for unit in [*before, *(u for u in after if u not in before)]
        if before.get(unit) != after.get(unit)
    ]
    old_status = old.breakdown.status.label if old.breakdown else "无"
    new_status = new.breakdown.status.label if new.breakdown else "无"
    if before and after and old_status != new_status:
        changes.append(FieldChange("breakdown_status", "分解状态", old_status, new_status))
    return changes


def _comparable(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return Decimal(value).normalize() if isinstance(value, Decimal) else value


def _shown(value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if hasattr(value, "shorthand"):
        return str(value.shorthand())
    if hasattr(value, "label"):
        return str(value.label)
    if hasattr(value, "kind") and hasattr(value.kind, "label"):
        return str(value.kind.label)
    return str(value)


def overlay_draft(*, stored: Plan, draft: Plan) -> Plan:
    """The stored plan with an ingest draft read over it: only targets, comparators and quotes change.

    Title, codes, placement, breakdowns, lead units and the rest stay as stored; targets the draft does not
    have are left out (to be retired), new ones join the task of their draft neighbour or a new task.
    """
    matches = match_indicators(old=stored, new=draft, trust_codes=False)
    by_old = {old: new for new, old in matches.items()}
    drafted = {ind.id: ind for ind in draft.indicators()}
    kept = _with_indicators(stored, lambda ind: _drafted(ind, drafted.get(by_old.get(ind.id, ""))))
    kept = _without_indicators(kept, keep=set(by_old))
    added = [ind for ind in draft.indicators() if ind.id not in matches]
    return _with_added(stored, kept, draft, added, matches)


def _drafted(stored: Indicator, drafted: Indicator | None) -> Indicator:
    if drafted is None:
        return stored
    return stored.model_copy(
        update={f: getattr(drafted, f) for f in DRAFT_FIELDS if getattr(drafted, f) is not None}
    )


def _without_indicators(plan: Plan, *, keep: set[str]) -> Plan:
    areas = []
    for area in plan.areas:
        tasks = [
            t.model_copy(update={"indicators": [i for i in t.indicators if i.id in keep]}) for t in area.tasks
        ]
        areas.append(area.model_copy(update={"tasks": [t for t in tasks if t.indicators]}))
    return plan.model_copy(update={"areas": [a for a in areas if a.tasks]})


def _with_added(
    stored: Plan, kept: Plan, draft: Plan, added: list[Indicator], matches: dict[str, str]
) -> Plan:
    """Each added indicator goes to the stored task of a matched neighbour in its draft task, or a new task."""
    taken = {ind.id for ind in stored.indicators()}
    renames = {ind.id: _free_code(ind.id, taken | set(matches)) for ind in added if ind.id in taken}
    plan = kept
    for area in draft.areas:
        for task in area.tasks:
            new = [_renamed_one(i, renames) for i in task.indicators if i in added]
            if new:
                plan = _placed(
                    plan, area, task, new, [matches[i.id] for i in task.indicators if i.id in matches]
                )
    return plan


def _renamed_one(ind: Indicator, renames: dict[str, str]) -> Indicator:
    return ind.model_copy(update={"id": renames.get(ind.id, ind.id)})


def _placed(plan: Plan, area: Area, task: Task, new: list[Indicator], neighbours: list[str]) -> Plan:
    areas = [a.model_copy(deep=True) for a in plan.areas]
    for a in areas:
        for t in a.tasks:
            if neighbours and any(i.id == neighbours[0] for i in t.indicators):
                t.indicators.extend(new)
                return plan.model_copy(update={"areas": areas})
    home = next((a for a in areas if a.name == area.name), None)
    if home is None:
        home = area.model_copy(
            update={"code": _free_area_code(area.code, {a.code for a in areas}), "tasks": []}
        )
        areas.append(home)
    codes = {t.code for a in areas for t in a.tasks}
    home.tasks.append(task.model_copy(update={"code": _free_area_code(task.code, codes), "indicators": new}))
    return plan.model_copy(update={"areas": areas})


def _free_area_code(code: str, taken: set[str]) -> str:
    if code not in taken:
        return code
    number = 2
    while f"{code}-{number}" in taken:
        number += 1
    return f"{code}-{number}"
