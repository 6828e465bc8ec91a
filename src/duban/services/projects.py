"""The project ledger in the store: saving projects, reading them back, and the figures they feed.

Saving is an upsert by project code within the plan: projects already stored and not in the batch
stay as they are, so a county's own 台账 can be imported without touching the others.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, select, type_coerce
from sqlalchemy.orm import Session, aliased, selectinload

from duban.choices import (
    TOP_KIND_VALUES,
    InvestorType,
    OrgKind,
    ProjectCategory,
    ProjectKind,
    ProjectMilestone,
)
from duban.persistence.audit import audited, record_event
from duban.persistence.models import Amount, IndicatorRow, OrgUnitRow, PlanRow
from duban.persistence.project_models import ProjectInvestmentRow, ProjectMilestoneRow, ProjectRow
from duban.persistence.readcache import remembered_across_entries, within_transaction
from duban.plan.model import Profile
from duban.projects.figures import LedgerFigures, LedgerTotals, feed_value, figures_of, through_month
from duban.projects.lights import red_projects
from duban.projects.model import Dates, Project
from duban.services.units import plan_units
from duban.supervision.situations import ProjectAlert

STORED_PLACES = Decimal("0.000001")  # the scale of `Amount`, NUMERIC(24, 6)


@dataclass(frozen=True)
class SaveSummary:
    created: int
    updated: int
    unchanged: int


def save_projects(
    *, session: Session, plan_row: PlanRow, projects: Sequence[Project], user_id: int | None = None
) -> SaveSummary:
    """Insert or update `projects` in the plan's ledger by code, auditing every project that changes."""
    counties = county_ids(session=session)
    stored = {r.code: r for r in _project_query(session, plan_row.id)}
    created = updated = 0
    for position, project in enumerate(projects):
        row = stored.get(project.code)
        old = _snapshot(project_from_row(row)) if row else None
        new = _snapshot(project)
        if old == new:
            continue
        row = row or ProjectRow(plan_id=plan_row.id, code=project.code, position=len(stored) + position)
        before, after = _beyond_columns(old, new)
        with audited(session, actor=user_id, action="project.update" if old else "project.create", subject=row,
                     old=before, new=after):  # fmt: skip
            _fill_row(row, project, counties)
            session.add(row)
        created, updated = created + (old is None), updated + (old is not None)
    return SaveSummary(created=created, updated=updated, unchanged=len(projects) - created - updated)


def county_ids(*, session: Session) -> dict[str, int]:
    """The ids of the stored 县(市、区) by name, in the city's order."""
    query = select(OrgUnitRow).where(OrgUnitRow.kind == OrgKind.COUNTY.value)
    rows = session.scalars(query.order_by(OrgUnitRow.position, OrgUnitRow.id))
    return {r.name: r.id for r in rows}


def _snapshot(project: Project) -> dict[str, Any]:
    """The project as compared and audited: amounts at the store's precision, so 47700000.00 == 47700000."""
    return _at_stored_precision(project.model_dump(mode="python", exclude_defaults=False))


def _at_stored_precision(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(_plain(value.quantize(STORED_PLACES)))
    if isinstance(value, dict):
        return {(k.value if hasattr(k, "value") else k): _at_stored_precision(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_at_stored_precision(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


_NOT_COLUMNS = ("county", "monthly", "milestones")  # by name, and the rows of the ledger's child tables


def _beyond_columns(
    old: dict[str, Any] | None, new: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """What the audit event cannot read off the project's own row: its county by name, its months and milestones."""
    changed = [k for k in _NOT_COLUMNS if old is None or old.get(k) != new[k]]
    return ({k: old[k] for k in changed} if old else None), {k: new[k] for k in changed}


def _fill_row(row: ProjectRow, project: Project, counties: dict[str, int]) -> None:
    if project.county not in counties:
        raise ValueError(f"项目“{project.code}”的县（市、区）“{project.county}”不在单位名录中")
    row.name, row.county_id, row.owner, row.cluster = (
        project.name,
        counties[project.county],
        project.owner,
        project.cluster,
    )
    row.category, row.kind, row.investor = project.category.value, project.kind.value, project.investor.value
    row.two_major, row.provincial_major = project.two_major, project.provincial_major
    row.total_investment, row.year_plan = project.total_investment, project.year_plan
    _sync_milestones(row, project)
    _sync_investments(row, project)


# Children are updated in place: replacing them would insert the new rows before the old ones are
# deleted and trip the (project, month) and (project, milestone) unique constraints.
def _sync_milestones(row: ProjectRow, project: Project) -> None:
    kept = {m.milestone: m for m in row.milestones}
    row.milestones = []
    for milestone, dates in project.milestones.items():
        if dates.planned or dates.actual:
            child = kept.get(milestone.value) or ProjectMilestoneRow(milestone=milestone.value)
            child.planned, child.actual = dates.planned, dates.actual
            row.milestones.append(child)


def _sync_investments(row: ProjectRow, project: Project) -> None:
    kept = {i.month: i for i in row.investments}
    row.investments = []
    for month, amount in sorted(project.monthly.items()):
        child = kept.get(month) or ProjectInvestmentRow(month=month)
        child.amount = amount
        row.investments.append(child)


def project_from_row(row: ProjectRow) -> Project:
    """The pure project of a stored row."""
    return Project(
        code=row.code, name=row.name, county=row.county.name, category=row.category, kind=row.kind,
        two_major=row.two_major, provincial_major=row.provincial_major, cluster=row.cluster,
        owner=row.owner, investor=row.investor, total_investment=_plain(row.total_investment),
        year_plan=_plain(row.year_plan),
        monthly={i.month: _plain(i.amount) for i in row.investments},
        milestones={ProjectMilestone(m.milestone): Dates(planned=m.planned, actual=m.actual) for m in row.milestones},
    )  # fmt: skip


def _plain(value: Decimal) -> Decimal:
    """Drop the store's trailing zeros (100000000.000000 -> 100000000) so reads compare and print cleanly."""
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _project_query(session: Session, plan_id: int) -> list[ProjectRow]:
    query = (
        select(ProjectRow)
        .where(ProjectRow.plan_id == plan_id)
        .options(selectinload(ProjectRow.milestones), selectinload(ProjectRow.investments),
                 selectinload(ProjectRow.county))
        .order_by(ProjectRow.position, ProjectRow.id)
    )  # fmt: skip
    return list(session.scalars(query))


def load_projects(*, session: Session, plan_id: int) -> list[Project]:
    """Every project of the plan's ledger, in ledger order."""
    return [project_from_row(r) for r in _project_query(session, plan_id)]


def clear_projects(*, session: Session, plan_id: int) -> int:
    """Remove the plan's whole ledger (e.g. before regenerating the demo); return how many were removed."""
    ids = list(session.scalars(select(ProjectRow.id).where(ProjectRow.plan_id == plan_id)))
    for table in (ProjectMilestoneRow, ProjectInvestmentRow):
        session.execute(delete(table).where(table.project_id.in_(ids)))
    session.execute(delete(ProjectRow).where(ProjectRow.plan_id == plan_id))
    return len(ids)


def replace_projects(
    *,
    session: Session,
    plan_row: PlanRow,
    projects: Sequence[Project],
    user_id: int | None = None,
    reason: str,
) -> int:
    """Replace the plan's whole ledger with `projects` in one audited change (demo data, yearly reset)."""
    removed = clear_projects(session=session, plan_id=plan_row.id)
    counties = county_ids(session=session)
    rows = [ProjectRow(plan_id=plan_row.id, code=p.code, position=i) for i, p in enumerate(projects)]
    for row, project in zip(rows, projects, strict=True):
        _fill_row(row, project, counties)
    session.add_all(rows)
    session.flush()
    record_event(session, actor=user_id, action="project.replace", subject=("plan", plan_row.id),
                 old={"projects": removed}, new={"projects": len(rows)}, reason=reason)  # fmt: skip
    return len(rows)


def plan_ledger_figures(
    *, session: Session, plan_id: int, on: date, profile: Profile | None = None
) -> dict[str, LedgerFigures]:
    """The ledger's figures on `on` for the city (first) and each county, in the city's order.

    Added up by the store (one GROUP BY per date), remembered per generation of figures (every change of
    the ledger moves it) and kept across writes of entries alone (an approval changes no project), and for the rest of the session's transaction: a dashboard asks twice (its
    ledger panel and the indicators the ledger feeds), the year-end preview once for each of twelve months.
    """
    key = ("ledger figures", plan_id, on, profile.model_dump_json() if profile else None)
    added_up = partial(_ledger_figures, session, plan_id, on, profile)
    return within_transaction(
        session=session,
        key=key,
        compute=lambda: remembered_across_entries(session=session, key=key, compute=added_up),
    )


def _ledger_figures(
    session: Session, plan_id: int, on: date, profile: Profile | None
) -> dict[str, LedgerFigures]:
    plan_row = session.get_one(PlanRow, plan_id)
    units = plan_units(session=session, region=plan_row.region)
    city = next((u.name for u in units if u.kind in TOP_KIND_VALUES), plan_row.region)
    counties = {u.id: u.name for u in units if u.kind == OrgKind.COUNTY.value}
    totals = county_totals(session=session, plan_id=plan_id, year=plan_row.year, on=on)
    whole = sum(totals.values(), LedgerTotals())
    mine = {name: totals.get(unit_id, LedgerTotals()) for unit_id, name in counties.items()}
    return {unit: figures_of(totals=t, unit=unit, year=plan_row.year, on=on, profile=profile)
            for unit, t in {city: whole, **mine}.items()}  # fmt: skip


def county_totals(*, session: Session, plan_id: int, year: int, on: date) -> dict[int, LedgerTotals]:
    """county id -> the counts and sums of its projects on `on`, added up by the store.

    The same rules as `projects.figures.ledger_totals` over loaded projects (a test holds the two equal);
    on SQLite amounts are REAL, so sums are exact while they stay below 2^53 (about 9·10^15 元).
    """
    start, registered = aliased(ProjectMilestoneRow), aliased(ProjectMilestoneRow)
    done = (
        select(ProjectInvestmentRow.project_id, func.sum(ProjectInvestmentRow.amount).label("amount"))
        .where(ProjectInvestmentRow.month <= through_month(year=year, on=on))
        .group_by(ProjectInvestmentRow.project_id).subquery()
    )  # fmt: skip
    last = min(on, date(year, 12, 31))
    new = ProjectRow.kind == ProjectKind.NEW.value
    started = and_(start.actual >= date(year, 1, 1), start.actual <= last)
    due = and_(new, start.planned >= date(year, 1, 1), start.planned <= last)
    cluster = and_(ProjectRow.cluster.is_not(None), ProjectRow.cluster != "", started)
    amount = func.coalesce(done.c.amount, 0)
    query = (
        select(
            ProjectRow.county_id, func.count(), _count(new), _count(ProjectRow.two_major.is_(True)),
            _count(ProjectRow.provincial_major.is_(True)), _count(and_(new, started)), _count(due),
            _count(and_(due, start.actual <= on)), _count(and_(new, started, registered.actual <= on)),
            _sum(ProjectRow.year_plan), _sum(amount),
            _sum(case((ProjectRow.category == ProjectCategory.INDUSTRY.value, amount), else_=0)),
            _sum(case((ProjectRow.investor == InvestorType.PRIVATE.value, amount), else_=0)),
            _count(cluster), _sum(case((cluster, ProjectRow.total_investment), else_=0)),
        )
        .outerjoin(start, and_(start.project_id == ProjectRow.id, start.milestone == ProjectMilestone.START.value))
        .outerjoin(registered, and_(registered.project_id == ProjectRow.id,
                                    registered.milestone == ProjectMilestone.REGISTERED.value))
        .outerjoin(done, done.c.project_id == ProjectRow.id)
        .where(ProjectRow.plan_id == plan_id).group_by(ProjectRow.county_id)
    )  # fmt: skip
    return {row[0]: _totals(row[1:]) for row in session.execute(query)}


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum(amount: Any) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(func.sum(amount), 0), Amount)


def _totals(values: Sequence[Any]) -> LedgerTotals:
    """Counts as int, sums as Decimal without the store's trailing zeros, in the fields' order."""
    kinds = [type(f.default) for f in dataclasses.fields(LedgerTotals)]
    typed: list[Any] = [
        int(v) if kind is int else _plain(Decimal(v)) for kind, v in zip(kinds, values, strict=True)
    ]
    return LedgerTotals(*typed)


def ledger_feeds(
    *, session: Session, plan_id: int, on: date, checked: bool = False
) -> dict[str, dict[str, Decimal]]:
    """indicator code -> unit name -> value, for every indicator of the plan the ledger feeds (or, with
    `checked`, every indicator units report and the ledger checks: `ledger_check`).

    Values are given for the city and every county; a city-wide indicator reported by a department
    (its lead unit) also gets the city's value under that department's name. Undefined rates are left out.
    """
    return ledger_feeds_on(session=session, plan_id=plan_id, dates=[on], checked=checked).get(on, {})


def unit_ledger_figures(
    *, session: Session, plan_id: int, unit: str, on: date, checked: bool
) -> dict[str, Decimal]:
    """indicator code -> the ledger's figure for `unit` on `on`: of the indicators the ledger feeds, or with
    `checked` of those units report and the ledger checks. Nothing is read when the plan has none."""
    feeds = ledger_feeds(session=session, plan_id=plan_id, on=on, checked=checked)
    return {code: values[unit] for code, values in feeds.items() if unit in values}


def ledger_feeds_on(
    *, session: Session, plan_id: int, dates: Sequence[date], checked: bool = False
) -> dict[date, dict[str, dict[str, Decimal]]]:
    """`ledger_feeds` for several dates, one aggregation of the ledger per date."""
    fed = [
        row for row in session.scalars(select(IndicatorRow).where(IndicatorRow.plan_id == plan_id))
        if str((row.extra or {}).get("feed", "")).startswith("ledger.")
        and ((row.extra or {}).get("ledger_check") is not None) == checked
    ]  # fmt: skip
    if not fed:
        return {}
    found = {}
    for on in dates:
        figures = plan_ledger_figures(session=session, plan_id=plan_id, on=on)
        found[on] = {row.code: _indicator_feed(row, figures) for row in fed}
    return found


def _indicator_feed(row: IndicatorRow, figures: dict[str, LedgerFigures]) -> dict[str, Decimal]:
    feed = str(row.extra["feed"])
    values = {unit: feed_value(f, feed) for unit, f in figures.items()}
    city = next(iter(figures))
    if row.lead_unit is not None and row.lead_unit.kind == OrgKind.DEPARTMENT.value:
        values[row.lead_unit.name] = values[city]
    return {unit: value for unit, value in values.items() if value is not None}


def project_alerts(*, session: Session, plan_id: int, on: date) -> list[ProjectAlert]:
    """The ledger's major projects (两重 or 省级重大) with a red light on `on`, as the 督办 rules take them.

    Only major projects open supervision items by themselves: the office follows the rest through the
    ledger's red list, or else hundreds of small projects would each open an item.
    """
    year = session.get_one(PlanRow, plan_id).year
    projects = load_projects(session=session, plan_id=plan_id)
    return [
        ProjectAlert(code=r.project.code, name=r.project.name, unit=r.project.county, red=True,
                     reason="、".join(r.reasons) + "红灯")
        for r in red_projects(projects, year=year, on=on)
        if r.project.two_major or r.project.provincial_major
    ]  # fmt: skip


def ledger_figures(*, session: Session, plan_id: int, on: date) -> LedgerFigures | None:
    """The city's project-ledger figures on `on`, or None when no project is in the ledger."""

    def figures() -> LedgerFigures | None:
        if not session.scalar(select(ProjectRow.id).where(ProjectRow.plan_id == plan_id).limit(1)):
            return None
        return next(iter(plan_ledger_figures(session=session, plan_id=plan_id, on=on).values()), None)

    # the ledger moves `figures` when it changes: a figure submitted, approved or returned leaves it as it was
    return remembered_across_entries(session=session, key=("ledger", plan_id, on), compute=figures)
