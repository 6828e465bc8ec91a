"""Last year's figures from the store: the forecast's pattern, 同比 and last year's line, worked out by hand.

2025: roads (L02-1) in 镇雄县 and 昭阳区, whose monthly amounts sum at the city to 10, 10, then 20 a month
from March to October, 10 in November and December (200 in the year). 2026 calls the indicator L02-9,
mapped to L02-1 when the plan was loaded; by March the city has 12, 24 and 45.
"""

from decimal import Decimal

import pytest
from sqlalchemy import select

from builders import OFFICE, make_indicator, make_plan
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow
from duban.plan.model import Breakdown
from duban.services.batch import judge_plan_period, period_frame
from duban.services.entries import approve, ensure_periods, record_value, submit
from duban.services.history import last_year, read_last_year
from duban.services.overview import period_overview
from duban.services.plan_loading import save_plan

ZHENXIONG_2025 = (8, 16, 28, 40, 52, 64, 76, 88, 100, 112, 118, 120)  # monthly 8, 8, 12 ... 12, 6, 2
ZHAOYANG_2025 = (2, 4, 12, 20, 28, 36, 44, 52, 60, 68, 72, 80)  # monthly 2, 2, 8 ... 8, 4, 8
ZHENXIONG_2026, ZHAOYANG_2026 = (7, 14, 30), (5, 10, 15)  # the city: 12, 24, 45


def _plan(session, year, **overrides):
    targets = {"镇雄县": Decimal(126), "昭阳区": Decimal(84)}
    roads = make_indicator(target=Decimal(210), breakdown=Breakdown(targets=targets), **overrides)
    row = save_plan(
        session=session, plan=make_plan(indicators=[roads], year=year, title=f"昭通市{year}年重点工作")
    )
    return row, ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)


def _approve(session, plan_row, code, unit, period, value):
    ind = session.scalar(
        select(IndicatorRow).where(IndicatorRow.plan_id == plan_row.id, IndicatorRow.code == code)
    )
    unit_id = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == unit))
    entry = record_value(session=session, indicator_id=ind.id, unit_id=unit_id, period_id=period.id, user_id=None,
                         value=Decimal(value))  # fmt: skip
    submit(session=session, entry=entry, writer=OFFICE)
    approve(session=session, entry=entry, writer=OFFICE)


@pytest.fixture
def two_years(session):
    before, periods = _plan(session, 2025)
    for unit, figures in (("镇雄县", ZHENXIONG_2025), ("昭阳区", ZHAOYANG_2025)):
        for period, value in zip(periods, figures, strict=True):
            _approve(session, before, "L02-1", unit, period, value)
    row, periods = _plan(session, 2026, id="L02-9", last_year="L02-1")
    for unit, figures in (("镇雄县", ZHENXIONG_2026), ("昭阳区", ZHAOYANG_2026)):
        for period, value in zip(periods, figures, strict=False):
            _approve(session, row, "L02-9", unit, period, value)
    session.commit()
    return row


def test_forecast_uses_last_years_pattern_of_the_mapped_indicator(session, two_years):
    line = period_overview(session=session, plan_row=two_years, month=3).indicators[0]
    # As tests/progress/test_history.py works out: 45 / (40/200) = 225, range 206.79..243.21, November.
    assert line.forecast.point == pytest.approx(225)
    assert (line.forecast.low, line.forecast.high) == (
        pytest.approx(206.7935, abs=1e-3),
        pytest.approx(243.2065, abs=1e-3),
    )
    assert line.forecast.reach_month == 11
    assert line.last_year == [
        (m, Decimal(a + b)) for m, (a, b) in enumerate(zip(ZHENXIONG_2025, ZHAOYANG_2025, strict=True), 1)
    ]


def test_year_on_year_for_the_city_and_each_unit(session, two_years):
    line = period_overview(session=session, plan_row=two_years, month=3).indicators[0]
    assert line.year_on_year.text == "同比增长12.5%"  # 45 against 28 + 12 = 40
    by_unit = {u.unit: u.year_on_year.text for u in line.units}
    assert by_unit == {"镇雄县": "同比增长7.1%", "昭阳区": "同比增长25%"}  # 30 against 28; 15 against 12


def test_the_vectorised_forecast_reads_the_same_pattern(session, two_years):
    frame, _ = period_frame(session=session, plan_id=two_years.id, month=3)
    city, zhenxiong, zhaoyang = (frame.units.names.index(u) for u in ("昭通市", "镇雄县", "昭阳区"))
    result = judge_plan_period(session=session, plan_id=two_years.id, month=3)
    assert result.point[0, city] == pytest.approx(225)
    assert result.reach_month[0, city] == 11
    # Each county on its own pattern: 镇雄县 30 / (28/120) = 128.5714, 昭阳区 15 / (12/80) = 100.
    assert result.point[0, zhenxiong] == pytest.approx(128.5714, abs=1e-4)
    assert result.point[0, zhaoyang] == pytest.approx(100)


def test_same_code_without_a_mapping_and_no_history_without_last_years_plan(session):
    before, periods = _plan(session, 2025)
    _approve(session, before, "L02-1", "镇雄县", periods[0], 6)
    row, _ = _plan(session, 2026)
    assert read_last_year(session=session, plan_row=row).codes == {"L02-1": "L02-1"}
    assert read_last_year(session=session, plan_row=before).codes == {}


def test_history_is_read_once_per_generation_of_figures(factory, two_years):
    with factory() as one, factory() as other:
        first = last_year(session=one, plan_row=two_years)
        assert last_year(session=other, plan_row=two_years) is first
    with factory.begin() as session:  # a correction of last year's March moves the figures' generation
        march = session.scalar(select(PeriodRow).where(PeriodRow.month == 3).order_by(PeriodRow.id))
        entry = session.scalar(select(EntryRow).where(EntryRow.period_id == march.id).order_by(EntryRow.id))
        entry.official_value = Decimal(25)
    with factory() as session:
        again = last_year(session=session, plan_row=two_years)
        assert again is not first and again.city_value(code="L02-9", month=3) == Decimal(37)  # 25 + 12
