"""A province's plan above its cities' own plans (逐级分解 across plans): the province breaks its targets down to
its cities, each city its share down to its counties in a plan of its own, the counties (two of them named
鼓楼区) report into their city's plan, and the province's cells of its cities show the cities' roll-ups."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from builders import OFFICE
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow, UnitTargetRow
from duban.plan.model import Area, Breakdown, Indicator, OrgUnit, Plan, Task
from duban.services.entries import approve, record_value, submit
from duban.services.judged import JudgedPeriod, judged_period
from duban.services.office import Basis
from duban.services.overview import period_overview
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.plans import UnitError, plan_from_store, plans_below, save_org_units
from duban.services.summary import dashboard_summary
from services.test_summary import assert_lean_pages_agree, assert_pages_of_one_indicator

YEAR, JUNE = 2026, 6
# region → (its units: name, kind, parent, code; C1's breakdown; R1's breakdown), by 行政区划代码
PLANS = {
    "江苏省": ([("江苏省", "province", None, "320000"), ("南京市", "city", "江苏省", "320100"),
                ("徐州市", "city", "江苏省", "320300")],
               {"320100": 60, "320300": 40}, {"320100": 80, "320300": 80}),
    "南京市": ([("南京市", "city", None, "320100"), ("鼓楼区", "county", "南京市", "320106"),
                ("玄武区", "county", "南京市", "320102")],
               {"320106": 35, "320102": 25}, {"320106": 80, "320102": 80}),
    "徐州市": ([("徐州市", "city", None, "320300"), ("鼓楼区", "county", "徐州市", "320302"),
                ("云龙区", "county", "徐州市", "320303")],
               {"320302": 30, "320303": 10}, {"320302": 80, "320303": 80}),
}  # fmt: skip
TARGETS = {"江苏省": 100, "南京市": 60, "徐州市": 40}
# June's approved figures in the cities' own plans, by county code: (C1 count, R1 numerator over 50);
# 云龙区 reports later in a test (3, 20)
FIGURES = {"320106": (20, 45), "320102": (10, 40), "320302": (7, 30)}


def _plan(region: str) -> Plan:
    units, count_shares, rate_shares = PLANS[region]
    indicators = [
        Indicator(id="C1", name="新增市场主体", unit="个", kind="count", comparator=">=",
                  target=Decimal(TARGETS[region]),
                  breakdown=Breakdown(targets={u: Decimal(v) for u, v in count_shares.items()})),
        Indicator(id="R1", name="达标率", unit="%", kind="rate", comparator=">=", target=Decimal(80),
                  breakdown=Breakdown(targets={u: Decimal(v) for u, v in rate_shares.items()})),
    ]  # fmt: skip
    return Plan(
        region=region, year=YEAR, title=f"{region}年度重点工作",
        units=[OrgUnit.model_validate({"name": n, "kind": k, "parent": p, "code": c}) for n, k, p, c in units],
        areas=[Area(code="A", name="方面", tasks=[Task(code="1", title="任务", indicators=indicators)])],
    )  # fmt: skip


def _report(
    session: Session, region: str, unit_code: str, count: int, numerator: int, period: Any = None,
    codes: dict[str, str] | None = None,
) -> None:  # fmt: skip
    """Approved figures of C1 and R1 (June's unless `period` is given; `codes` names them where the plan of
    `region` numbers its own) of the unit in the plan of `region`."""
    codes = codes or {"C1": "C1", "R1": "R1"}
    plan = session.scalars(select(PlanRow).where(PlanRow.region == region)).one()
    june = (
        period or ensure_periods(session=session, plan=plan, cutoff_day=25, combine_jan_feb=False)[JUNE - 1]
    )
    unit = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.code == unit_code)).one()
    for code, numbers in ((codes["C1"], {"value": Decimal(count)}),
                          (codes["R1"], {"numerator": Decimal(numerator), "denominator": Decimal(50)})):  # fmt: skip
        indicator = session.scalars(
            select(IndicatorRow.id).where(IndicatorRow.plan_id == plan.id, IndicatorRow.code == code)
        ).one()
        entry = record_value(session=session, indicator_id=indicator, unit_id=unit, period_id=june.id,
                             user_id=None, **numbers)  # fmt: skip
        submit(session=session, entry=entry, writer=OFFICE)
        approve(session=session, entry=entry, writer=OFFICE)


@pytest.fixture
def stored(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with factory() as session, session.begin():
        for region in PLANS:
            plan = save_plan(session=session, plan=_plan(region))
            ensure_periods(session=session, plan=plan, cutoff_day=25, combine_jan_feb=False)
        for code, (count, numerator) in FIGURES.items():
            _report(session, "南京市" if code.startswith("3201") else "徐州市", code, count, numerator)
    return factory


def _province(session: Session) -> JudgedPeriod:
    plan = session.scalars(select(PlanRow).where(PlanRow.region == "江苏省")).one()
    return judged_period(session=session, plan_row=plan, month=JUNE, basis=Basis())


def _cells(core: JudgedPeriod, code: str, array: str = "value") -> dict[str, float]:
    i = core.frame.indicators.ids.index(code)
    values = getattr(core.result, array)
    return {name: float(values[i, u]) for u, name in enumerate(core.units.names)
            if name in ("江苏省", "南京市", "徐州市")}  # fmt: skip


def test_the_province_cells_of_its_cities_are_the_cities_own_roll_ups(stored):
    with stored() as session:
        core = _province(session)
    # 南京市 20 + 10, 徐州市 7 (云龙区 not yet): the province 37 of 100
    assert _cells(core, "C1") == {"江苏省": 37, "南京市": 30, "徐州市": 7}
    # rates from summed numerators and denominators: 南京 85/100, 徐州 30/50, the province 115/150
    assert _cells(core, "R1") == pytest.approx({"江苏省": 115 / 150 * 100, "南京市": 85.0, "徐州市": 60.0})
    # judged against the province's own breakdown: 南京市 30 of its 60, 徐州市 7 of 40, the province 37 of 100
    assert _cells(core, "C1", "completion") == pytest.approx({"江苏省": 37.0, "南京市": 50.0, "徐州市": 17.5})
    c1 = core.frame.indicators.ids.index("C1")
    sources = {core.units.names[u]: region for (i, u), region in core.from_plans.items() if i == c1}
    assert sources == {"南京市": "南京市", "徐州市": "徐州市"}


def test_a_citys_approval_moves_the_provinces_figure(stored):
    with stored() as session:
        before = _province(session)
        assert _province(session) is before  # remembered per generation
    with stored() as session, session.begin():
        _report(session, "徐州市", "320303", 3, 20)
    with stored() as session:
        after = _province(session)
    assert _cells(after, "C1") == {"江苏省": 40, "南京市": 30, "徐州市": 10}
    assert _cells(after, "R1") == pytest.approx({"江苏省": 67.5, "南京市": 85.0, "徐州市": 50.0})


def test_a_figure_of_the_provinces_own_plan_wins_over_the_citys_roll_up(stored):
    with stored() as session, session.begin():
        _report(session, "江苏省", "320100", 33, 41)
    with stored() as session:
        core = _province(session)
    assert _cells(core, "C1") == {"江苏省": 40, "南京市": 33, "徐州市": 7}
    c1 = core.frame.indicators.ids.index("C1")
    assert {core.units.names[u] for (i, u) in core.from_plans if i == c1} == {"徐州市"}


def test_the_province_pages_say_where_a_citys_figure_came_from(stored):
    with stored() as session:
        plan = session.scalars(select(PlanRow).where(PlanRow.region == "江苏省")).one()
        overview = period_overview(session=session, plan_row=plan, month=JUNE)
        summary = dashboard_summary(session=session, plan_row=plan, month=JUNE, today=date(2026, 7, 1))
    count = next(line for line in overview.indicators if line.indicator.id == "C1")
    assert count.figure.value == 37
    assert {u.unit: (u.figure.value, u.source) for u in count.units} == {
        "南京市": (30, "南京市"),
        "徐州市": (7, "徐州市"),
    }
    assert next(line for line in summary.indicators if line.indicator.id == "C1").figure.value == 37


def test_a_citys_own_plan_is_unchanged_by_the_province_above_it(stored):
    with stored() as session:
        plan = session.scalars(select(PlanRow).where(PlanRow.region == "徐州市")).one()
        core = judged_period(session=session, plan_row=plan, month=JUNE, basis=Basis())
    c1 = core.frame.indicators.ids.index("C1")
    assert float(core.result.value[c1, core.units.top]) == 7
    assert core.from_plans == {}


def test_the_provinces_reporting_counts_a_city_that_reported_in_its_own_plan(stored):
    with stored() as session:
        plan = session.scalars(select(PlanRow).where(PlanRow.region == "江苏省")).one()
        summary = dashboard_summary(session=session, plan_row=plan, month=JUNE, today=date(2026, 7, 1))
    lines = {line.unit: (line.expected, line.approved, line.missing) for line in summary.reporting}
    assert lines == {"南京市": (2, 2, 0), "徐州市": (2, 2, 0)}


def _report_may_in_xuzhou(stored: sessionmaker[Session]) -> None:
    """徐州市's own plan gets its May, with 320302's approved figures (C1 5, R1 25 of 50)."""
    with stored() as session, session.begin():
        may = ensure_periods(session=session, plan=_plan_row(session, "徐州市"), cutoff_day=25,
                             combine_jan_feb=False)[4]  # fmt: skip
        _report(session, "徐州市", "320302", 5, 25, period=may)


def test_the_provinces_chart_series_holds_the_cities_figures_as_its_table_does(stored):
    _report_may_in_xuzhou(stored)
    with stored() as session:
        overview = period_overview(session=session, plan_row=_plan_row(session, "江苏省"), month=JUNE)
    count = next(line for line in overview.indicators if line.indicator.id == "C1")
    rate = next(line for line in overview.indicators if line.indicator.id == "R1")
    assert count.series == [(5, Decimal(5)), (6, Decimal(37))]  # May: 徐州市 alone; June: 30 + 7
    assert [(m, float(v)) for m, v in rate.series] == [(5, 50.0), (6, pytest.approx(76.666, abs=0.01))]


def _plan_row(session: Session, region: str) -> PlanRow:
    return session.scalars(select(PlanRow).where(PlanRow.region == region)).one()


# -- the units' tree as plans give it ---------------------------------------------------------------------


def _units(*rows: tuple[str, str, str | None, str]) -> list[OrgUnit]:
    return [OrgUnit(name=name, kind=kind, parent=parent, code=code) for name, kind, parent, code in rows]


def _paths(session: Session) -> dict[str, str | None]:
    return {row.name: row.path for row in session.scalars(select(OrgUnitRow))}


def test_a_county_listed_before_its_city_is_stored_under_it(session: Session) -> None:
    """A plan may list its units in any order: a county before its city still gets the city as parent."""
    save_org_units(session=session, units=_units(("鼓楼区", "county", "南京市", "320106"),
                                                 ("南京市", "city", None, "320100")))  # fmt: skip
    assert _paths(session) == {"南京市": "320100", "鼓楼区": "320100/320106"}


def test_a_ring_of_parents_is_refused_naming_it(session: Session) -> None:
    with pytest.raises(UnitError, match=r"南京市.*鼓楼区.*环"):
        save_org_units(session=session, units=_units(("南京市", "city", "鼓楼区", "320100"),
                                                     ("鼓楼区", "county", "南京市", "320106")))  # fmt: skip


def test_a_city_put_under_its_province_takes_the_units_below_it_along(session: Session) -> None:
    """The city's own plan put it under the province: its counties and their townships (from plans of their own,
    not this one) move with it, so a path says where a unit is (the province office's scope reads paths)."""
    save_org_units(session=session, units=_units(("南京市", "city", None, "320100"),
                                                 ("鼓楼区", "county", "南京市", "320106")))  # fmt: skip
    save_org_units(session=session, units=_units(("鼓楼区", "county", None, "320106"),
                                                 ("宁海路街道", "township", "鼓楼区", "320106001")))  # fmt: skip
    save_org_units(session=session, units=_units(("江苏省", "province", None, "320000")))
    save_org_units(session=session, units=_units(("南京市", "city", "320000", "320100")))
    assert _paths(session) == {"江苏省": "320000", "南京市": "320000/320100", "鼓楼区": "320000/320100/320106",
                               "宁海路街道": "320000/320100/320106/320106001"}  # fmt: skip


def test_the_plans_below_are_kept_across_an_approval_and_found_again_after_a_plan_changed(stored):
    """Which plans are below the province's is remembered across writes of entries alone (every judgement and
    map asks), and found again once a plan changed (徐州市's moved to another year)."""
    statements: list[str] = []
    engine = stored.kw["bind"]
    listener = lambda _c, _cur, statement, *_: statements.append(statement)  # noqa: E731

    def below() -> list[str]:
        with stored() as session:
            province = session.scalars(select(PlanRow).where(PlanRow.region == "江苏省")).one()
            return [row.region for row, _ in plans_below(session=session, plan_row=province)]

    assert below() == ["南京市", "徐州市"]
    with stored() as session, session.begin():
        _report(session, "徐州市", "320303", 3, 20)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert below() == ["南京市", "徐州市"]
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert not any("org_unit" in s for s in statements)  # not looked for again: the plans read by their ids
    with stored() as session, session.begin():
        session.scalars(select(PlanRow).where(PlanRow.region == "徐州市")).one().year = YEAR + 1
    assert below() == ["南京市"]


def test_the_province_pages_hold_the_cities_roll_ups_as_the_full_overview_does(stored):
    _report_may_in_xuzhou(stored)
    with stored() as session:
        province = _plan_row(session, "江苏省")
        overview = period_overview(session=session, plan_row=province, month=JUNE, today=date(2026, 7, 1))
        assert_pages_of_one_indicator(session, province, overview)
        assert_lean_pages_agree(session, province, overview, today=date(2026, 7, 1))


def test_the_breakdowns_are_kept_across_an_approval_and_read_again_after_a_target_changed(stored):
    """A plan's breakdowns (a province's 450,000 unit targets) are remembered across writes of entries alone:
    an approval does not make the next page read them again; a unit's changed target is read."""

    def breakdown() -> Breakdown | None:
        with stored() as session:
            plan = plan_from_store(session=session, plan_row=_plan_row(session, "徐州市"))
        return next(ind for ind in plan.indicators() if ind.id == "C1").breakdown

    first = breakdown()
    with stored() as session, session.begin():
        _report(session, "徐州市", "320303", 3, 20)
    assert breakdown() is first
    with stored() as session, session.begin():
        indicator = session.scalars(select(IndicatorRow.id).where(
            IndicatorRow.plan_id == _plan_row(session, "徐州市").id, IndicatorRow.code == "C1")).one()  # fmt: skip
        unit = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.code == "320303")).one()
        session.scalars(select(UnitTargetRow).where(UnitTargetRow.indicator_id == indicator,
                                                    UnitTargetRow.unit_id == unit)).one().value = Decimal(12)  # fmt: skip
    changed = breakdown()
    assert changed is not None and changed.targets["云龙区"] == 12
