"""Putting a plan into the store and reading it back out.

Loading the same plan (same region and year) again updates it in place, matched by the codes
of areas and tasks and the ids of indicators, so figures already reported stay attached.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, bindparam, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from duban.choices import TOP_KIND_VALUES, Accumulation, BreakdownStatus
from duban.persistence.models import AreaRow, IndicatorRow, OrgUnitRow, PlanRow, TaskRow, UnitTargetRow
from duban.persistence.readcache import remembered_across_entries
from duban.persistence.storedrows import stored_found
from duban.persistence.supervision_models import SupervisionRulesRow
from duban.plan.model import (
    Area,
    Breakdown,
    Indicator,
    OrgUnit,
    Plan,
    Profile,
    ReviewRules,
    Scope,
    SourceDocument,
    Task,
    Thresholds,
)
from duban.services.units import plan_units, unit_named
from duban.supervision.rules import SupervisionRules

_EXTRA_FIELDS = (
    "feed", "ledger_check", "formula", "same_as", "last_year", "above", "implicit", "confidence", "flags", "note",
    "horizon",
)  # fmt: skip


def write_plan(*, session: Session, row: PlanRow, plan: Plan) -> None:
    """Write `plan` over the stored plan in place; stored indicators it leaves out are deleted with it."""
    units = save_org_units(session=session, units=plan.units)
    row.title, row.thresholds = plan.title, plan.thresholds.model_dump(mode="json")
    row.review = plan.review.model_dump(mode="json")
    row.source_path = plan.source.path if plan.source else None
    row.source_sha256 = plan.source.sha256 if plan.source else None
    with session.no_autoflush:
        _sync_areas(session, row, plan, units)
    session.flush()
    save_rules(session=session, plan_id=row.id, rules=plan.supervision)


def save_org_units(*, session: Session, units: list[OrgUnit]) -> dict[str, OrgUnitRow]:
    """Upsert org units by code (else by name under the same parent), parents first; return every stored
    unit by its stored name and, over those, by the name the plan gives it.

    A unit without a code keeps its stored one or gets its parent's code, a kind mark and a number (a
    department of 昭通市: 530600D01); every saved unit's path is its parent's path and its own code. A city's
    plan naming its 鼓楼区 in a store whose other city has one stores it as 南京市鼓楼区, and a plan's top
    unit keeps the units stored above it (the province above a city).
    """
    rows = list(session.scalars(select(OrgUnitRow)))
    stored, by_code = {u.name: u for u in rows}, {u.code: u for u in rows}
    named: dict[str, OrgUnitRow] = {}  # by the plan's names
    in_plan = {u.name for u in units}
    paths = {row.id: row.path for row in rows}  # as stored, to move what lies below a unit that moved
    for position, unit in _parents_first(units):
        # a parent outside the plan is a stored unit, named by code (the province above a city) or by name
        parent = (
            (named.get(unit.parent) or by_code.get(unit.parent) or stored.get(unit.parent))
            if unit.parent
            else None
        )
        if unit.parent and parent is None and unit.parent not in in_plan:
            raise UnitError(unit, position, "parent", _unknown_parent(unit))
        found = by_code.get(unit.code or "") or _same_unit(stored, unit, parent)
        name = _stored_name(stored, unit, parent, found)
        row = found or OrgUnitRow(name=name)
        _refuse_taken_name(stored.get(name), row, unit, position)
        row.name, row.kind, row.population, row.position = name, unit.kind.value, unit.population, position
        row.parent = parent if unit.parent else row.parent
        row.code = unit.code or row.code or _new_code(row, set(by_code))
        row.path = f"{row.parent.path}/{row.code}" if row.parent else row.code
        session.add(row)
        stored[name], by_code[row.code], named[unit.name] = row, row, row
    _move_below(rows, paths)
    session.flush()
    return stored | named


def _parents_first(units: list[OrgUnit]) -> list[tuple[int, OrgUnit]]:
    """The plan's units with their places, each after its parent where the plan holds the parent (a plan may
    list a county before its city); a ring of parents is refused."""
    by_name = {unit.name: (position, unit) for position, unit in enumerate(units)}
    ordered: dict[str, tuple[int, OrgUnit]] = {}
    for name in by_name:
        chain: list[str] = []
        while name in by_name and name not in ordered:
            if name in chain:
                position, unit = by_name[name]
                raise UnitError(
                    unit,
                    position,
                    "parent",
                    f"单位“{'”→“'.join([*chain, name])}”的上级单位首尾相接，成了一个环",
                )
            chain.append(name)
            name = by_name[name][1].parent or ""
        ordered.update((n, by_name[n]) for n in reversed(chain))
    return list(ordered.values())


def _move_below(rows: list[OrgUnitRow], paths: dict[int, str]) -> None:
    """Stored units below a unit whose path changed (a city put under its province) take the new path too."""
    moved = {paths[row.id]: row.path for row in rows if row.id in paths and row.path != paths[row.id]}
    for row in rows:
        above = next((old for old in moved if row.path.startswith(f"{old}/")), None) if moved else None
        if above is not None:
            row.path = moved[above] + row.path.removeprefix(above)


def _qualified(unit: OrgUnit, parent: OrgUnitRow | None) -> str:
    return f"{parent.name}{unit.name}" if parent else unit.name


def _same_unit(stored: dict[str, OrgUnitRow], unit: OrgUnit, parent: OrgUnitRow | None) -> OrgUnitRow | None:
    """The stored unit a plan's unit without a code is: the one of its name, unless that one sits under
    another parent (another city's 市发展改革委), then the one of its parent's name and its own."""
    found = stored.get(unit.name)
    if found is None or parent is None or found.parent is None or found.parent is parent:
        return found
    return stored.get(_qualified(unit, parent))


def _stored_name(
    stored: dict[str, OrgUnitRow], unit: OrgUnit, parent: OrgUnitRow | None, row: OrgUnitRow | None
) -> str:
    """The plan's name, or its parent's name and its own where another stored unit holds the plan's name."""
    qualified = _qualified(unit, parent)
    if row is not None and row.name == qualified:
        return qualified  # stored as 南京市鼓楼区 beside another city's 鼓楼区: it stays so
    holder = stored.get(unit.name)
    return unit.name if holder is None or holder is row else qualified


def plans_below(*, session: Session, plan_row: PlanRow) -> list[tuple[PlanRow, int]]:
    """The plans of the same year whose region is a province or city below `plan_row`'s (a province's cities'
    own plans: 逐级分解 across plans), each with its region's unit id. Which they are is remembered across
    writes of entries alone (every judgement and map asks); the plans are then read by one statement, none."""
    below = remembered_across_entries(
        session=session, key=("plans below", plan_row.id), compute=lambda: _plans_below(session, plan_row)
    )
    if not below:
        return []
    rows = {
        row.id: row for row in session.scalars(select(PlanRow).where(PlanRow.id.in_([p for p, _ in below])))
    }
    return [(rows[plan_id], unit_id) for plan_id, unit_id in below]


def _plans_below(session: Session, plan_row: PlanRow) -> tuple[tuple[int, int], ...]:
    """(plan id, region's unit id) of the plans below `plan_row`'s, in the units' order; one statement."""
    unit, top = aliased(OrgUnitRow), aliased(OrgUnitRow)
    query = (
        select(PlanRow.id, unit.id)
        .join(unit, or_(unit.code == PlanRow.region, unit.name == PlanRow.region))
        .join(top, or_(top.code == plan_row.region, top.name == plan_row.region))
        .where(PlanRow.year == plan_row.year, PlanRow.id != plan_row.id, unit.kind.in_(TOP_KIND_VALUES),
               func.substr(unit.path, 1, func.length(top.path) + 1) == top.path + "/")
        .order_by(unit.position, unit.id, PlanRow.id.desc())
    )  # fmt: skip
    found: dict[int, int] = {}
    for plan_id, unit_id in session.execute(query):
        # one plan per region and year; the newest loaded if a store holds two
        found.setdefault(unit_id, plan_id)
    return tuple((plan_id, unit_id) for unit_id, plan_id in found.items())


def plan_above(*, session: Session, region: str, year: int, parent: str | None = None) -> PlanRow | None:
    """The plan of `year` of the unit above `region`'s (a city's province): `parent` (a name or code) where
    given, else the stored parent of the unit `region` names; none where there is no such unit or plan."""
    region_unit = None if parent else unit_named(session=session, name=region)
    above = (
        unit_named(session=session, name=parent) if parent else region_unit.parent if region_unit else None
    )
    if above is None:
        return None
    query = select(PlanRow).where(PlanRow.year == year, PlanRow.region.in_([above.code, above.name]))
    return session.scalars(query.order_by(PlanRow.id.desc()).limit(1)).first()


def unit_of_region(*, session: Session, region: str) -> int | None:
    """The unit a plan's region names (by code or name), if the store has it."""
    unit = unit_named(session=session, name=region)
    return unit.id if unit else None


def path_of_region(*, session: Session, region: str) -> str | None:
    """The path of the unit a plan's region names (by code or name), if the store has it."""
    unit = unit_named(session=session, name=region)
    return unit.path if unit else None


class UnitError(ValueError):
    """A plan's unit the store cannot take, located: the unit's place in `units` and its field."""

    FIELD_NAMES = {"parent": "上级单位", "name": "名称"}

    def __init__(self, unit: OrgUnit, position: int, field: str, message: str) -> None:
        super().__init__(message)
        self.loc: tuple[str | int, ...] = ("units", position, field)
        self.field = (
            f"units[{unit.name}].{field}（{self.FIELD_NAMES[field]}）"  # as a plan file's problems say
        )


def _unknown_parent(unit: OrgUnit) -> str:
    return (
        f"单位“{unit.name}”的上级单位“{unit.parent}”既不是本计划中的单位，也不是数据库中已有单位的名称或代码；"
        "应为本计划中某单位的名称，或已导入的上级（如省）的名称或行政区划代码"
    )


def _refuse_taken_name(holder: OrgUnitRow | None, row: OrgUnitRow, unit: OrgUnit, position: int) -> None:
    if holder is not None and holder is not row:
        raise UnitError(
            unit,
            position,
            "name",
            f"单位名称“{holder.name}”已由代码为 {holder.code} 的单位使用，请写出上级名称以区分",
        )


KIND_MARKS = {"province": "P", "city": "M", "county": "C", "township": "T", "department": "D"}


def _new_code(row: OrgUnitRow, taken: set[str]) -> str:
    """The parent's code, the kind's mark and the first free number: stable once stored."""
    prefix = f"{row.parent.code if row.parent else ''}{KIND_MARKS.get(row.kind, 'U')}"
    number = next(n for n in range(1, len(taken) + 2) if f"{prefix}{n:02d}" not in taken)
    return f"{prefix}{number:02d}"


def _sync_areas(session: Session, row: PlanRow, plan: Plan, units: dict[str, OrgUnitRow]) -> None:
    existing = {a.code: a for a in row.areas}
    old_indicators = {i.code: i for a in row.areas for t in a.tasks for i in t.indicators}
    row.areas = []
    for position, area in enumerate(plan.areas):
        area_row = existing.get(area.code) or AreaRow(code=area.code)
        area_row.name, area_row.weight, area_row.livelihood = area.name, area.weight, area.livelihood
        area_row.position = position
        row.areas.append(area_row)
        _sync_tasks(session, row, area_row, area, units, old_indicators)


def _sync_tasks(
    session: Session,
    plan_row: PlanRow,
    area_row: AreaRow,
    area: Area,
    units: dict[str, OrgUnitRow],
    old_indicators: dict[str, IndicatorRow],
) -> None:
    existing = {t.code: t for t in area_row.tasks}
    area_row.tasks = []
    for position, task in enumerate(area.tasks):
        task_row = existing.get(task.code) or TaskRow(code=task.code)
        task_row.title, task_row.position = task.title, position
        task_row.lead_unit = units[task.lead_unit] if task.lead_unit else None
        task_row.indicators = [
            _indicator_row(plan_row, old_indicators.pop(ind.id, None), ind, index, units)
            for index, ind in enumerate(task.indicators)
        ]
        area_row.tasks.append(task_row)


def _indicator_row(
    plan_row: PlanRow, row: IndicatorRow | None, ind: Indicator, position: int, units: dict[str, OrgUnitRow]
) -> IndicatorRow:
    row = row or IndicatorRow(code=ind.id)
    row.plan = plan_row
    row.name, row.unit, row.kind, row.comparator = ind.name, ind.unit, ind.kind.value, ind.comparator.value
    row.display_unit = ind.display_unit
    row.target, row.aspiration, row.baseline = ind.target, ind.aspiration, ind.baseline
    row.accumulation = (ind.accumulation or Accumulation.CUMULATIVE).value
    row.numerator_label, row.denominator_label = ind.numerator, ind.denominator
    row.scope = ind.scope.model_dump(mode="json")
    row.lead_unit = units[ind.lead_unit] if ind.lead_unit else None
    row.co_units, row.due = list(ind.co_units), ind.due
    row.profile = ind.profile.model_dump(mode="json")
    row.extra = {k: v for k, v in ind.model_dump(mode="json", include=set(_EXTRA_FIELDS)).items() if v}
    row.quote, row.offset, row.line, row.position = ind.quote, ind.offset, ind.line, position
    _sync_unit_targets(row, ind.breakdown, units)
    return row


def _sync_unit_targets(row: IndicatorRow, breakdown: Breakdown | None, units: dict[str, OrgUnitRow]) -> None:
    wanted = breakdown.targets if breakdown else {}
    kept = {t.unit.id: t for t in row.unit_targets}  # by id: the plan's name may not be the stored one
    row.unit_targets = []
    for name, value in wanted.items():
        target = kept.get(units[name].id) or UnitTargetRow(unit=units[name])
        target.value, target.basis = value, breakdown.basis if breakdown else None
        target.status = breakdown.status.value if breakdown else "draft"
        row.unit_targets.append(target)


def find_plan(*, session: Session, region: str | None = None, year: int | None = None) -> PlanRow | None:
    """The plan of `region` and `year`, or the newest plan when they are not given."""
    query = select(PlanRow).order_by(PlanRow.year.desc(), PlanRow.id.desc())
    if region:
        query = query.where(PlanRow.region == region)
    if year:
        query = query.where(PlanRow.year == year)
    return session.scalars(query).first()


def plan_of_year(
    *, session: Session, today: date, year: int | None = None, region: str | None = None
) -> PlanRow | None:
    """The plan a request means: that of `year` (and `region`), by default the plan of today's year.

    With no plan for today's year the default is the newest plan not in the future (a year still being
    closed), else the earliest one. Several plans of one year (regions) without `region`: the plan of the
    highest unit (the province's above its cities'; a region naming no unit last), then the newest loaded.
    """
    if region:
        found = _of_year(session, today, year, "region", {"region": region})
        return found[0] if found else None
    found = _of_year(session, today, year, "any", {})
    return found[0] if found else None


def plan_of_unit(
    *, session: Session, today: date, unit_path: str, year: int | None = None
) -> tuple[PlanRow, str] | None:
    """The plan a user of the unit at `unit_path` lands on, with the path of its region's unit: their city's
    (the year as `plan_of_year` chooses it), else that of the nearest unit above the city holding one (the
    province's plan, broken down to the city); None: neither. One statement for a year that has it, none
    while its plan is remembered (`storedrows`)."""

    def find() -> tuple[PlanRow, str] | None:
        found = _of_year(session, today, year, "unit", {"unit_path": unit_path})
        return (found[0], found[1]) if found else None

    return stored_found(session=session, key=("plan of unit", unit_path, today, year), find=find)


_YEAR_STEPS = {  # where a step looks for its year, and how it orders the years it finds
    "year": (lambda: PlanRow.year == bindparam("year"), ()),
    "before": (lambda: PlanRow.year < bindparam("year"), (PlanRow.year.desc(),)),
    "any": (true, (PlanRow.year,)),
}


def _of_year(
    session: Session, today: date, year: int | None, kind: str, params: dict[str, Any]
) -> Row[*tuple[Any, ...]] | None:
    """The first row of the `kind` query of `year`, else of today's year, else of the newest year before it,
    else of the earliest year; within a year in the query's order, then the newest loaded plan."""
    steps = (
        [("year", year)]
        if year is not None
        else [("year", today.year), ("before", today.year), ("any", None)]
    )
    for step, step_year in steps:
        found = session.execute(_plans_query(kind, step), {**params, "year": step_year}).first()
        if found is not None:
            return found
    return None


@cache
def _plans_query(kind: str, step: str) -> Select[*tuple[Any, ...]]:
    """The statement of one step of `_of_year`, built once (its construction costs more than its run)."""
    where, order = _YEAR_STEPS[step]
    query, within = _plans_of(kind)
    return query.where(where()).order_by(*order, *within, PlanRow.id.desc())


def _plans_of(kind: str) -> tuple[Select[*tuple[Any, ...]], tuple[Any, ...]]:
    """The plans `_of_year` chooses among, and their order within a year: of a region ("region"), above the
    unit at a path ("unit", with that unit's path), or any (the highest unit's first)."""
    unit = aliased(OrgUnitRow)
    names = or_(unit.code == PlanRow.region, unit.name == PlanRow.region)
    if kind == "region":
        return select(PlanRow).where(PlanRow.region == bindparam("region")), ()
    if kind == "unit":
        path = bindparam("unit_path", type_=String)
        above = or_(unit.path == path, func.substr(path, 1, func.length(unit.path) + 1) == unit.path + "/")
        query = select(PlanRow, unit.path).join(unit, names).where(unit.kind.in_(TOP_KIND_VALUES), above)
        return query, (func.length(unit.path).desc(),)
    depth = func.length(unit.path) - func.length(func.replace(unit.path, "/", ""))
    return select(PlanRow).outerjoin(unit, names), (func.coalesce(depth, 99),)


def plan_years(*, session: Session) -> list[tuple[int, str]]:
    """Every stored plan's year and region, oldest year first (a year switcher's choices)."""
    return [(year, region) for year, region in session.execute(
        select(PlanRow.year, PlanRow.region).order_by(PlanRow.year, PlanRow.region)
    )]  # fmt: skip


def plan_from_store(
    *, session: Session, plan_row: PlanRow, month: int | None = None, retired: bool = False,
    breakdown_of: int | None = None,
) -> Plan:  # fmt: skip
    """Rebuild the pure plan model from the store, e.g. for `duban plan export`.

    Without `month` it is the plan in force (retired indicators left out); with `month`, the indicators
    asked in that month; with `retired`, every stored indicator. With `breakdown_of` (a store id) only that
    indicator holds its breakdown (the page of one indicator: a province's others hold 450,000 unit targets).
    """
    units = plan_units(session=session, region=plan_row.region)
    within = {u.id for u in units}
    asked = (lambda row: True) if retired else (lambda row: is_asked(row, month))
    breakdowns = (
        _breakdowns(session, plan_row.id, only=breakdown_of)
        if breakdown_of is not None
        else remembered_across_entries(session=session, key=("breakdowns", plan_row.id),
                                       compute=lambda: _breakdowns(session, plan_row.id))
    )  # fmt: skip
    return Plan(
        region=plan_row.region,
        year=plan_row.year,
        title=plan_row.title,
        source=SourceDocument(path=plan_row.source_path, sha256=plan_row.source_sha256)
        if plan_row.source_path
        else None,
        thresholds=Thresholds.model_validate(plan_row.thresholds or {}),
        units=[_org_unit(u, within) for u in units],
        areas=[
            a
            for a, stored in ((_area(a, asked, breakdowns), a) for a in plan_row.areas)
            if a.tasks or not stored.tasks
        ],
        supervision=_rules(session, plan_row.id),
        review=ReviewRules.model_validate(plan_row.review or {}),
    )


def indicator_names(*, session: Session, plan_id: int) -> list[tuple[str, str]]:
    """(code, name) of the plan's indicators, in the plan's order."""
    query = select(IndicatorRow.code, IndicatorRow.name).where(IndicatorRow.plan_id == plan_id)
    return [(code, name) for code, name in session.execute(query.order_by(IndicatorRow.id))]


def indicator_by_code(*, session: Session, plan_id: int, code: str) -> IndicatorRow | None:
    """The plan's indicator of that code (a retired one included), if there is one."""
    query = select(IndicatorRow).where(IndicatorRow.plan_id == plan_id, IndicatorRow.code == code)
    return session.scalars(query).first()


def retired_indicators(*, session: Session, plan_id: int) -> list[IndicatorRow]:
    """The plan's indicators a revision retired."""
    query = select(IndicatorRow).where(
        IndicatorRow.plan_id == plan_id, IndicatorRow.retired_from.is_not(None)
    )
    return list(session.scalars(query))


def indicator_codes(*, session: Session, indicator_ids: list[int]) -> list[str]:
    """The codes of those indicators, in the plan's order."""
    query = select(IndicatorRow.code).where(IndicatorRow.id.in_(indicator_ids))
    return list(session.scalars(query.order_by(IndicatorRow.id)))


def is_asked(row: IndicatorRow, month: int | None) -> bool:
    """Whether the indicator is asked in `month` (None: from now on): not retired by then."""
    return row.retired_from is None or (month is not None and month < row.retired_from)


def asked_in(month: int | None) -> ColumnElement[bool]:
    """SQL for `is_asked`: the indicators asked in `month` (None: the ones not retired)."""
    if month is None:
        return IndicatorRow.retired_from.is_(None)
    return or_(IndicatorRow.retired_from.is_(None), IndicatorRow.retired_from > month)


def _rules(session: Session, plan_id: int) -> SupervisionRules | None:
    """The plan's supervision rules, or None when they are the defaults (so exports stay short)."""
    rules = rules_of(session=session, plan_id=plan_id)
    return None if rules == SupervisionRules() else rules


def _org_unit(row: OrgUnitRow, within: set[int]) -> OrgUnit:
    """The unit as its plan has it: the plan's top unit has no parent (the province above is another plan's)."""
    return OrgUnit.model_validate(
        {"name": row.name, "kind": row.kind, "parent": row.parent.name if row.parent_id in within and row.parent else None,
         "code": row.code, "population": row.population}
    )  # fmt: skip


def _area(row: AreaRow, asked: Callable[[IndicatorRow], bool], breakdowns: dict[int, Breakdown]) -> Area:
    tasks = [_task(t, asked, breakdowns) for t in row.tasks]
    return Area(
        code=row.code, name=row.name, weight=Decimal(row.weight), livelihood=row.livelihood,
        tasks=[t for t, stored in zip(tasks, row.tasks, strict=True) if t.indicators or not stored.indicators],
    )  # fmt: skip


def _task(row: TaskRow, asked: Callable[[IndicatorRow], bool], breakdowns: dict[int, Breakdown]) -> Task:
    return Task(code=row.code, title=row.title, lead_unit=row.lead_unit.name if row.lead_unit else None,
                indicators=[_indicator(i, breakdowns.get(i.id)) for i in row.indicators if asked(i)])  # fmt: skip


def _breakdowns(session: Session, plan_id: int, only: int | None = None) -> dict[int, Breakdown]:
    """Every indicator's breakdown (or the indicator `only`'s) from one query of plain rows (a province holds
    450,000 unit targets: an ORM object for each cost a minute in the bulletin)."""
    query = (
        select(UnitTargetRow.indicator_id, OrgUnitRow.name, UnitTargetRow.value, UnitTargetRow.status,
               UnitTargetRow.basis)
        .join(OrgUnitRow, OrgUnitRow.id == UnitTargetRow.unit_id)
        .join(IndicatorRow, IndicatorRow.id == UnitTargetRow.indicator_id)
        .where(IndicatorRow.plan_id == plan_id)
        .order_by(UnitTargetRow.indicator_id, UnitTargetRow.id)
    )  # fmt: skip
    if only is not None:
        query = query.where(UnitTargetRow.indicator_id == only)
    breakdowns = {}
    rows = session.connection().execute(query).all()  # plain rows fetched at once, without the ORM's layer
    for ident, group in groupby(rows, itemgetter(0)):
        found = list(group)
        breakdowns[ident] = _breakdown(found[0][3], found[0][4], {row[1]: row[2] for row in found})
    return breakdowns


def _breakdown(status: str, basis: Any, targets: dict[str, Decimal]) -> Breakdown:
    """The stored breakdown, built without validating each of its (up to 1,500) Decimals again: the store
    holds them as its Numeric column gives them."""
    return Breakdown.model_construct(status=BreakdownStatus(status), basis=basis, targets=targets)


def indicator_from_row(row: IndicatorRow) -> Indicator:
    """The pure indicator model of a stored indicator."""
    first = row.unit_targets[0] if row.unit_targets else None
    breakdown = (
        _breakdown(first.status, first.basis, {t.unit.name: t.value for t in row.unit_targets})
        if first
        else None
    )
    return _indicator(row, breakdown)


def _indicator(row: IndicatorRow, breakdown: Breakdown | None) -> Indicator:
    data: dict[str, Any] = {
        "id": row.code, "name": row.name, "unit": row.unit, "display_unit": row.display_unit, "kind": row.kind,
        "comparator": row.comparator, "target": row.target, "aspiration": row.aspiration,
        "baseline": row.baseline, "accumulation": row.accumulation,
        "numerator": row.numerator_label, "denominator": row.denominator_label,
        "scope": Scope.model_validate(row.scope or {}), "lead_unit": row.lead_unit.name if row.lead_unit else None,
        "co_units": row.co_units or [], "due": row.due, "profile": Profile.model_validate(row.profile or {}),
        "quote": row.quote, "offset": row.offset, "line": row.line, **(row.extra or {}),
    }  # fmt: skip
    if breakdown is not None:
        data["breakdown"] = breakdown
    return Indicator.model_validate(data)


def save_rules(*, session: Session, plan_id: int, rules: SupervisionRules | None) -> None:
    """Keep the plan file's supervision rules with the stored plan (defaults when it has none)."""
    row = session.get(SupervisionRulesRow, plan_id) or SupervisionRulesRow(plan_id=plan_id)
    row.rules = (rules or SupervisionRules()).model_dump(mode="json")
    session.add(row)
    session.flush()


def rules_of(*, session: Session, plan_id: int) -> SupervisionRules:
    """The plan's supervision rules, or the defaults."""
    row = session.get(SupervisionRulesRow, plan_id)
    return SupervisionRules.model_validate(row.rules if row else {})


def indicator_ids_by_code(*, session: Session, plan_id: int) -> dict[str, int]:
    """The plan's indicator ids by code (retired ones included)."""
    return {code: id_ for code, id_ in session.execute(
        select(IndicatorRow.code, IndicatorRow.id).where(IndicatorRow.plan_id == plan_id))}  # fmt: skip
