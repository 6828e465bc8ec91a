"""The bulletin speaks its plan's level: a province's goes to 各市（州） and the 省直部门 and ranks its cities
(even when only townships report), a city's goes to 各县（市、区） and the 市直部门 and ranks its counties.
Read back from the Word file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import COUNTIES, OFFICE, kind_indicator, make_plan
from duban.choices import OrgKind
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.plan.levels import plan_level, ranked_units
from duban.plan.model import Area, OrgUnit, Plan, Task
from duban.reports.files import render
from duban.reports.service import bulletin_for
from duban.services.entries import approve, record_value, submit
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.summary import dashboard_summary
from duban.services.units import region_level

TODAY = date(2026, 7, 5)
# a province of two cities, one county each, two townships each; the townships report
PROVINCE_UNITS = [
    ("全省", "province", None, "990000"), ("省发展改革委", "department", "990000", "990000D01"),
    ("第一市", "city", "990000", "990100"), ("甲县", "county", "990100", "990101"),
    ("甲一镇", "township", "990101", "990101001"), ("甲二镇", "township", "990101", "990101002"),
    ("第二市", "city", "990000", "990200"), ("乙县", "county", "990200", "990201"),
    ("乙一镇", "township", "990201", "990201001"), ("乙二镇", "township", "990201", "990201002"),
]  # fmt: skip
TOWNSHIP_SHARES = {"甲一镇": 30, "甲二镇": 30, "乙一镇": 20, "乙二镇": 20}
JUNE_FIGURES = {
    "甲一镇": 20,
    "甲二镇": 18,
    "乙一镇": 4,
    "乙二镇": 3,
}  # the first city ahead, the second behind


def _province() -> Plan:
    units = [
        OrgUnit.model_validate({"name": n, "kind": k, "parent": p, "code": c})
        for n, k, p, c in PROVINCE_UNITS
    ]
    indicators = [
        kind_indicator("C1", "count", ">=", 100, breakdown=TOWNSHIP_SHARES),
        kind_indicator(
            "D1", "count", ">=", 10, lead_unit="省发展改革委"
        ),  # not reported: 省直部门 in 报送情况
    ]
    return Plan(region="全省", year=2026, title="全省年度重点工作", units=units,
                areas=[Area(code="A", name="经济发展", tasks=[Task(code="1", title="稳增长", indicators=indicators)])])  # fmt: skip


def _city() -> Plan:
    shares = {county: 10 for county in COUNTIES}
    return make_plan(indicators=[kind_indicator("C1", "count", ">=", 110, breakdown=shares),
                                 kind_indicator("D1", "count", ">=", 10, lead_unit="市发展改革委")])  # fmt: skip


def _word_text(session: Session, plan: Plan, figures: dict[str, int]) -> str:
    """Store the plan, approve June's figures of C1, and read back the June bulletin's Word file."""
    row = save_plan(session=session, plan=plan)
    june = ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)[5]
    indicator = session.scalars(select(IndicatorRow.id).where(IndicatorRow.code == "C1")).one()
    for name, value in figures.items():
        unit = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == name)).one()
        entry = record_value(session=session, indicator_id=indicator, unit_id=unit, period_id=june.id, user_id=None,
                             value=Decimal(value))  # fmt: skip
        submit(session=session, entry=entry, writer=OFFICE)
        approve(session=session, entry=entry, writer=OFFICE)
    bulletin = bulletin_for(session=session, period="2026-06", today=TODAY, record=False)
    document = Document(BytesIO(render(bulletin=bulletin, fmt="docx")))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_a_plans_level_is_its_top_region():
    assert plan_level(_province()).top is OrgKind.PROVINCE
    assert plan_level(make_plan()).top is OrgKind.CITY
    county = Plan(region="甲县", year=2026, title="甲县年度重点工作", units=[
        OrgUnit(name="甲县", kind=OrgKind.COUNTY), OrgUnit(name="甲一镇", kind=OrgKind.TOWNSHIP, parent="甲县")])  # fmt: skip
    assert (plan_level(county).departments, plan_level(county).addressees) == (
        "县直部门",
        "各乡镇（街道）人民政府，县直各有关部门",
    )
    assert ranked_units(_province()) == ["第一市", "第二市"]
    assert ranked_units(make_plan()) == list(COUNTIES)


def test_a_province_bulletin_speaks_to_its_cities_and_the_provinces_departments(session):
    text = _word_text(session, _province(), JUNE_FIGURES)
    assert "各市（州）人民政府，省直各有关部门：" in text
    assert "省政府督查室采取查阅填报数据" in text and "全省纳入督查" in text
    assert "市（州）排名情况" in text and "排名按各市（州）承担目标" in text
    assert "第一名第一市" in text and "第二名第二市" in text  # ranked though only their townships report
    assert "省直部门" in text  # 省发展改革委's line in 报送情况
    for city_word in ("市直", "县（市、区）", "全市", "市政府督查室", "乡镇（街道）"):
        assert city_word not in text.replace("人民政府督查室", ""), city_word


def test_a_city_bulletin_speaks_to_its_counties_and_the_citys_departments(session):
    text = _word_text(session, _city(), {county: 5 + n for n, county in enumerate(COUNTIES)})
    assert "各县（市、区）人民政府，市直各有关部门：" in text
    assert "市政府督查室采取查阅填报数据" in text and "全市纳入督查" in text
    assert "县（市、区）排名情况" in text and "第一名" in text
    assert "市直部门" in text
    for province_word in ("省直", "市（州）", "全省"):
        assert province_word not in text, province_word


@pytest.mark.parametrize("plan", [_province, _city])
def test_every_ranked_unit_is_a_region_one_level_below_the_top(plan: Callable[[], Plan]) -> None:
    built = plan()
    level = plan_level(built)
    assert {u.kind for u in built.units if u.name in ranked_units(built)} == {level.ranked}


def _county() -> Plan:
    units = [OrgUnit(name="甲县", kind=OrgKind.COUNTY, code="990101"),
             *(OrgUnit(name=n, kind=OrgKind.TOWNSHIP, parent="甲县", code=c) for n, _, _, c in PROVINCE_UNITS[4:6])]  # fmt: skip
    indicators = [kind_indicator("C1", "count", ">=", 100, breakdown={"甲一镇": 50, "甲二镇": 50})]
    return Plan(region="甲县", year=2026, title="甲县年度重点工作", units=units,
                areas=[Area(code="A", name="经济发展", tasks=[Task(code="1", title="稳增长", indicators=indicators)])])  # fmt: skip


def test_a_stored_county_plan_has_the_level_its_plan_has_and_ranks_its_townships(session):
    """One rule for the level (levels.top_level): the dashboard's and the region's agree with the plan's."""
    row = save_plan(session=session, plan=_county())
    indicator = session.scalars(select(IndicatorRow.id).where(IndicatorRow.code == "C1")).one()
    june = ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)[5]
    for name, value in {"甲一镇": 30, "甲二镇": 10}.items():
        unit = session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == name)).one()
        entry = record_value(session=session, indicator_id=indicator, unit_id=unit, period_id=june.id, user_id=None,
                             value=Decimal(value))  # fmt: skip
        submit(session=session, entry=entry, writer=OFFICE)
        approve(session=session, entry=entry, writer=OFFICE)
    summary = dashboard_summary(session=session, plan_row=row, month=6, today=TODAY)
    assert summary.level == plan_level(_county()) == region_level(session=session, region="甲县")
    assert summary.level.top is OrgKind.COUNTY
    assert [r.unit for r in summary.rankings] == ["甲一镇", "甲二镇"]


def test_an_item_without_a_lead_unit_is_named_without_an_empty_bracket(session):
    """A plan naming no lead unit (a province's synthetic plan) gets “C1”（超序时进度…）, not “C1”（—，…）."""
    text = _word_text(session, _province(), {"甲一镇": 20, "甲二镇": 18, "乙一镇": 10, "乙二镇": 10})
    assert "“指标C1”（超序时进度8.4个百分点）" in text
    assert "（—" not in text and "—主要负责同志" not in text


def _county_of_departments() -> Plan:
    """A county's plan before its townships are listed: the county and two of its departments."""
    units = [OrgUnit(name="甲县", kind=OrgKind.COUNTY, code="990101"),
             *(OrgUnit(name=n, kind=OrgKind.DEPARTMENT, parent="甲县", code=f"990101D0{i}")
               for i, n in enumerate(("县发展改革局", "县交通运输局"), 1))]  # fmt: skip
    indicators = [kind_indicator("C1", "count", ">=", 100, lead_unit="县发展改革局"),
                  kind_indicator("D1", "count", ">=", 10, lead_unit="县交通运输局")]  # fmt: skip
    return Plan(region="甲县", year=2026, title="甲县年度重点工作", units=units,
                areas=[Area(code="A", name="经济发展", tasks=[Task(code="1", title="稳增长", indicators=indicators)])])  # fmt: skip


def test_a_county_plan_without_townships_is_still_the_countys(session):
    plan = _county_of_departments()
    assert plan_level(plan).top is OrgKind.COUNTY
    text = _word_text(session, plan, {"县发展改革局": 60})
    row = session.scalars(select(PlanRow)).one()
    assert dashboard_summary(session=session, plan_row=row, month=6, today=TODAY).level.top is OrgKind.COUNTY
    assert region_level(session=session, region="甲县").top is OrgKind.COUNTY
    assert "各乡镇（街道）人民政府，县直各有关部门：" in text and "全县纳入督查" in text
    assert "县直部门" in text  # 县交通运输局's line in 报送情况
    for city_word in ("市直", "县（市、区）", "全市"):
        assert city_word not in text, city_word
