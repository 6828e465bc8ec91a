"""A province above two cities that each hold a county named 鼓楼区: targets broken down level by level
(逐级分解), figures rolled up across the whole tree, each 鼓楼区 kept apart by its code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import OFFICE
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.plan.model import Area, Breakdown, Indicator, OrgUnit, Plan, Task
from duban.plan.planfile import dump_plan, parse_plan_text
from duban.policy import within
from duban.progress.batch import PeriodResult
from duban.reports.build import build_bulletin
from duban.reports.files import render
from duban.reports.yearend import build_year_result
from duban.services.batch import judge_plan_period, period_frame
from duban.services.entries import approve, record_value, submit
from duban.services.overview import period_overview
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.plans import plan_from_store
from duban.services.summary import dashboard_summary
from duban.services.units import unit_named
from duban.services.yearclose import year_result

# 行政区划代码 of 江苏省, 南京市 and 徐州市: both cities have a 鼓楼区
UNITS = [
    ("江苏省", "province", None, "320000"),
    ("南京市", "city", "320000", "320100"), ("鼓楼区", "county", "320100", "320106"), ("玄武区", "county", "320100", "320102"),
    ("徐州市", "city", "320000", "320300"), ("鼓楼区", "county", "320300", "320302"), ("云龙区", "county", "320300", "320303"),
]  # fmt: skip
# the province's 100 broken down to its cities, each city's share to its counties (by code: 鼓楼区 is two units)
COUNT_SHARES = {"南京市": 60, "徐州市": 40, "320106": 35, "玄武区": 25, "320302": 30, "云龙区": 10}
RATE_SHARES = {code: 80 for code in ("320100", "320300", "320106", "320102", "320302", "320303")}
# June's approved figures by code: (count, rate numerator over 50)
FIGURES = {"320106": (20, 45), "320102": (10, 40), "320302": (7, 30), "320303": (3, 20)}


def _indicator(code: str, kind: str, unit: str, target: int, shares: dict[str, int]) -> Indicator:
    return Indicator(id=code, name=f"指标{code}", unit=unit, kind=kind, comparator=">=", target=Decimal(target),
                     breakdown=Breakdown(targets={u: Decimal(v) for u, v in shares.items()}))  # fmt: skip


@pytest.fixture
def plan_row(session: Session) -> PlanRow:
    units = [OrgUnit.model_validate({"name": n, "kind": k, "parent": p, "code": c}) for n, k, p, c in UNITS]
    indicators = [
        _indicator("C1", "count", "个", 100, COUNT_SHARES),
        _indicator("R1", "rate", "%", 80, RATE_SHARES),
    ]
    plan = Plan(region="江苏省", year=2026, title="全省年度重点工作", units=units,
                areas=[Area(code="A", name="方面", tasks=[Task(code="1", title="任务", indicators=indicators)])])  # fmt: skip
    row = save_plan(session=session, plan=plan)
    june = ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)[5]
    ids = {
        code: session.scalars(select(IndicatorRow.id).where(IndicatorRow.code == code)).one()
        for code in ("C1", "R1")
    }
    for code, (count, numerator) in FIGURES.items():
        unit = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.code == code)).one()
        for ind, numbers in (("C1", {"value": Decimal(count)}),
                             ("R1", {"numerator": Decimal(numerator), "denominator": Decimal(50)})):  # fmt: skip
            entry = record_value(session=session, indicator_id=ids[ind], unit_id=unit, period_id=june.id,
                                 user_id=None, **numbers)  # fmt: skip
            submit(session=session, entry=entry, writer=OFFICE)
            approve(session=session, entry=entry, writer=OFFICE)
    return row


def _by_code(session: Session, result: PeriodResult, names: tuple[str, ...], row: int) -> dict[str, float]:
    codes = {u.name: u.code for u in session.scalars(select(OrgUnitRow))}
    return {codes[name]: float(result.value[row, u]) for u, name in enumerate(names)}


def test_two_counties_of_one_name_are_two_units_with_their_parents_names(session, plan_row):
    units = {u.code: (u.name, u.path) for u in session.scalars(select(OrgUnitRow))}
    assert units["320106"] == ("南京市鼓楼区", "320000/320100/320106")
    assert units["320302"] == ("徐州市鼓楼区", "320000/320300/320302")
    assert units["320102"] == ("玄武区", "320000/320100/320102")


def test_figures_roll_up_county_to_city_to_province(session, plan_row):
    frame, _ = period_frame(session=session, plan_id=plan_row.id, month=6)
    result = judge_plan_period(session=session, plan_id=plan_row.id, month=6)
    row = {code: i for i, code in enumerate(frame.indicators.ids)}
    count = _by_code(session, result, frame.units.names, row["C1"])
    assert (count["320106"], count["320302"]) == (20, 7)  # each 鼓楼区 its own figure
    assert (count["320100"], count["320300"], count["320000"]) == (30, 10, 40)
    rate = _by_code(session, result, frame.units.names, row["R1"])
    # summed numerators over summed denominators at every level: 南京 85/100, 徐州 50/100, the province 135/200
    assert (rate["320100"], rate["320300"], rate["320000"]) == pytest.approx((85.0, 50.0, 67.5))


def test_targets_are_broken_down_level_by_level(session, plan_row):
    frame, _ = period_frame(session=session, plan_id=plan_row.id, month=6)
    at = {name: u for u, name in enumerate(frame.units.names)}
    c1 = frame.indicators.ids.index("C1")
    targets = {
        name: float(frame.target[c1, at[name]])
        for name in ("江苏省", "南京市", "南京市鼓楼区", "徐州市鼓楼区")
    }
    assert targets == {"江苏省": 100, "南京市": 60, "南京市鼓楼区": 35, "徐州市鼓楼区": 30}


def test_the_dashboard_overview_agrees_for_each_city_and_county(session, plan_row):
    overview = period_overview(session=session, plan_row=plan_row, month=6)
    count = next(line for line in overview.indicators if line.indicator.id == "C1")
    figures = {unit.unit: unit.figure.value for unit in count.units}
    assert figures["南京市鼓楼区"] == 20 and figures["徐州市鼓楼区"] == 7
    assert figures["南京市"] == 30 and figures["徐州市"] == 10
    assert count.figure.value == 40


def test_a_citys_subtree_is_its_own_counties(session, plan_row):
    paths = {u.code: u.path for u in session.scalars(select(OrgUnitRow))}
    nanjing = {code for code, path in paths.items() if within(path, paths["320100"])}
    assert nanjing == {"320100", "320106", "320102"}
    assert all(within(path, paths["320000"]) for path in paths.values())


def test_a_unit_is_found_by_code_or_by_its_unique_name(session, plan_row):
    assert unit_named(session=session, name="320302").name == "徐州市鼓楼区"
    assert unit_named(session=session, name="南京市鼓楼区").code == "320106"
    assert unit_named(session=session, name="鼓楼区") is None  # two of them: the code tells them apart


def test_the_plan_file_written_from_the_store_loads_back_onto_the_same_units(session, plan_row):
    before = {u.code: u.id for u in session.scalars(select(OrgUnitRow))}
    text = dump_plan(plan_from_store(session=session, plan_row=plan_row))
    save_plan(session=session, plan=parse_plan_text(text))
    session.flush()
    assert {u.code: u.id for u in session.scalars(select(OrgUnitRow))} == before


def test_the_bulletins_overview_keeps_the_counties_and_ranked_cities_lines_and_says_the_same(
    session, plan_row
):
    full = period_overview(session=session, plan_row=plan_row, month=6)
    lean = period_overview(session=session, plan_row=plan_row, month=6, lean=True)
    counties = [u.name for u in full.plan.counties()]
    ranked = {"南京市", "徐州市"}  # a province ranks its cities
    assert {u.unit for line in lean.indicators for u in line.units} == set(counties) | ranked
    assert {u.unit for line in full.indicators for u in line.units} >= set(counties) | ranked
    for unit in (None, *counties):
        words = [build_bulletin(overview=o, unit=unit, issued=date(2026, 7, 5)) for o in (full, lean)]
        assert words[0] == words[1]


def test_the_dashboard_ranks_the_provinces_cities_as_the_overview_does(session, plan_row):
    summary = dashboard_summary(session=session, plan_row=plan_row, month=6, today=date(2026, 7, 5))
    overview = period_overview(session=session, plan_row=plan_row, month=6)
    ranked = [(r.unit, r.rank, r.score) for r in summary.rankings]
    assert {unit for unit, _, _ in ranked} == {
        "南京市",
        "徐州市",
    }  # a province ranks its cities, not counties
    assert ranked == [(r.unit, r.rank, r.score) for r in overview.rankings]
    assert summary.level.regions == overview.level.regions == "市（州）"


def test_the_year_result_of_a_province_ranks_its_cities_in_its_words(session, plan_row):
    result = year_result(session=session, plan_row=plan_row, today=date(2027, 1, 10))
    assert {c.ranking.unit for c in result.counties} == {"南京市", "徐州市"}
    bulletin = build_year_result(result=result, issued=date(2027, 1, 10))
    book = load_workbook(BytesIO(render(bulletin=bulletin, fmt="xlsx")))
    assert {"市州考核结果", "省级目标完成情况", "市州目标完成情况"} <= set(book.sheetnames)
    assert not {"县区考核结果", "市级目标完成情况", "县区目标完成情况"} & set(book.sheetnames)
    assert any(
        "市（州）" in row for row in book["市州考核结果"].iter_rows(values_only=True)
    )  # its column heading
    text = "".join(p.text for p in Document(BytesIO(render(bulletin=bulletin, fmt="docx"))).paragraphs)
    assert "市（州）考核排名" in text and "按各市（州）承担目标" in text
    assert "县（市、区）" not in text
