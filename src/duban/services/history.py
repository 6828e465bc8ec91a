"""Last year's approved figures of this year's indicators: the forecast's pattern, 同比 and the chart's line.

An indicator of this year's plan was, in the plan of the same region for the year before, the indicator
its `last_year` code names (mapped when the plan was loaded; `lineage.NEW`, matching no code, for none)
or else the one of its own code. Only
approved (official) figures count, per reporting unit and month; the city figure of a month is their
roll-up (`rollup.aggregate`), a unit without a figure that month counted with its last earlier one.
Read once per generation of figures (`readcache.remembered`), not per request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from duban.choices import IndicatorKind
from duban.persistence.generation import Generation, touched_since
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.readcache import remembered
from duban.progress.history import monthly_amounts
from duban.progress.rollup import Figure, aggregate
from duban.services.plans import find_plan

_ByMonth = dict[int, Figure]


@dataclass(frozen=True)
class LastYear:
    """Last year's figures under this year's indicator codes (empty when there is no earlier plan)."""

    year: int
    codes: Mapping[str, str] = field(default_factory=dict)  # this year's code → last year's code
    units: Mapping[str, Mapping[str, _ByMonth]] = field(default_factory=dict)  # code → unit → month → figure
    city: Mapping[str, _ByMonth] = field(default_factory=dict)  # code → month → the city's figure

    def city_value(self, *, code: str, month: int) -> Decimal | None:
        """The city's figure of `month` last year."""
        return self.city.get(code, {}).get(month, Figure()).value

    def unit_value(self, *, code: str, unit: str, month: int) -> Decimal | None:
        """A unit's own approved figure of `month` last year."""
        return self.units.get(code, {}).get(unit, {}).get(month, Figure()).value

    def series(self, *, code: str) -> list[tuple[int, Decimal]]:
        """The city's figures month by month, for the chart's line."""
        months = self.city.get(code, {})
        return [(m, f.value) for m, f in sorted(months.items()) if f.value is not None]

    def monthly(self, *, code: str) -> list[Decimal] | None:
        """Last year's twelve monthly amounts at the city (the forecast's pattern), None without December."""
        return monthly_amounts(year_to_date=dict(self.series(code=code)))

    def unit_monthly(self, *, code: str, unit: str) -> list[Decimal] | None:
        """A unit's own twelve monthly amounts last year, None where they make no pattern."""
        months = self.units.get(code, {}).get(unit, {})
        return monthly_amounts(year_to_date={m: f.value for m, f in months.items() if f.value is not None})

    def patterns(self) -> dict[str, list[Decimal]]:
        """Code → last year's monthly amounts, for every indicator that has them."""
        found = {code: self.monthly(code=code) for code in self.city}
        return {code: amounts for code, amounts in found.items() if amounts is not None}


def last_year(*, session: Session, plan_row: PlanRow) -> LastYear:
    """Last year's figures for the plan's indicators, read once per generation of figures."""
    return remembered(session=session, key=("last year", plan_row.id), states=False,
                      compute=lambda: read_last_year(session=session, plan_row=plan_row),
                      refresh=lambda since, old: _kept(session=session, plan_row=plan_row, since=since, old=old))  # fmt: skip


def _kept(*, session: Session, plan_row: PlanRow, since: Generation, old: LastYear) -> LastYear | None:
    """`old` as it is when the writes since `since` touched no entry of last year's plan; None: read again."""
    touched = touched_since(session=session, since=since, states=False)
    if touched is None:
        return None
    before = find_plan(session=session, region=plan_row.region, year=plan_row.year - 1)
    if before is None or not touched:
        return old
    query = select(IndicatorRow.id).where(IndicatorRow.plan_id == before.id, IndicatorRow.id.in_(touched))
    return old if session.scalar(query.limit(1)) is None else None


def read_last_year(*, session: Session, plan_row: PlanRow) -> LastYear:
    """Last year's figures for the plan's indicators, read from the store now."""
    before = find_plan(session=session, region=plan_row.region, year=plan_row.year - 1)
    if before is None:
        return LastYear(plan_row.year - 1)
    codes = _mapped_codes(session=session, plan_id=plan_row.id, before_id=before.id)
    units, kinds = _unit_figures(session=session, plan_id=before.id, codes=codes)
    city = {code: _city_figures(by_unit, kinds[code]) for code, by_unit in units.items()}
    return LastYear(before.year, codes, units, city)


def _mapped_codes(*, session: Session, plan_id: int, before_id: int) -> dict[str, str]:
    """This year's code → last year's, for each indicator whose (mapped or own) code last year's plan has."""
    known = set(session.scalars(select(IndicatorRow.code).where(IndicatorRow.plan_id == before_id)))
    rows = session.execute(
        select(IndicatorRow.code, IndicatorRow.extra).where(IndicatorRow.plan_id == plan_id)
    )
    wanted = {code: (extra or {}).get("last_year") or code for code, extra in rows}
    return {code: old for code, old in wanted.items() if old in known}


def _unit_figures(
    *, session: Session, plan_id: int, codes: Mapping[str, str]
) -> tuple[dict[str, dict[str, _ByMonth]], dict[str, IndicatorKind]]:
    """This year's code → unit → month → approved figure last year; and each code's kind last year."""
    now_of = defaultdict(list)
    for now, old in codes.items():
        now_of[old].append(now)
    query = (
        select(IndicatorRow.code, IndicatorRow.kind, OrgUnitRow.name, PeriodRow.month, EntryRow.official_value,
               EntryRow.official_numerator, EntryRow.official_denominator)
        .select_from(EntryRow).join(IndicatorRow, EntryRow.indicator_id == IndicatorRow.id)
        .join(OrgUnitRow, EntryRow.unit_id == OrgUnitRow.id).join(PeriodRow, EntryRow.period_id == PeriodRow.id)
        .where(IndicatorRow.plan_id == plan_id, PeriodRow.plan_id == plan_id,
               or_(EntryRow.official_value.is_not(None), EntryRow.official_numerator.is_not(None)))
    )  # fmt: skip
    units: dict[str, dict[str, _ByMonth]] = defaultdict(lambda: defaultdict(dict))
    kinds: dict[str, IndicatorKind] = {}
    for old, kind, unit, month, value, numerator, denominator in session.execute(query):
        for now in now_of.get(old, ()):
            units[now][unit][month] = Figure(value, numerator, denominator)
            kinds[now] = IndicatorKind(kind)
    return {code: dict(by_unit) for code, by_unit in units.items()}, kinds


def _city_figures(by_unit: Mapping[str, _ByMonth], kind: IndicatorKind) -> _ByMonth:
    """Month → the units' figures rolled up, a unit missing a month counted with its last earlier figure."""
    city: _ByMonth = {}
    last: dict[str, Figure] = {}
    for month in range(1, 13):
        reported = {unit: months[month] for unit, months in by_unit.items() if month in months}
        if not reported:
            continue
        last.update(reported)
        city[month] = aggregate(kind=kind, children=list(last.values()))
    return city
