"""The period overview on small hand-made data whose answers are worked out by hand here."""

from decimal import Decimal

from sqlalchemy import select

from builders import OFFICE, make_indicator, make_plan
from duban.choices import EntryState, Status
from duban.persistence.models import IndicatorRow, OrgUnitRow
from duban.plan.model import Breakdown
from duban.services.entries import approve, ensure_periods, record_value, submit
from duban.services.office import Basis
from duban.services.overview import period_overview
from duban.services.plan_loading import save_plan

ROADS = make_indicator(breakdown=Breakdown(targets={"镇雄县": Decimal(740), "昭阳区": Decimal(500)}))
SEWAGE = make_indicator(
    id="L03-1", name="农村生活污水治理率", unit="%", kind="rate", comparator=">=", target=Decimal(70),
    scope="each:镇雄县,昭阳区", lead_unit="市生态环境局",
)  # fmt: skip


def _setup(session, indicators):
    row = save_plan(session=session, plan=make_plan(indicators=indicators))
    periods = ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
    return row, periods


def _report(session, code, unit, period, *, state=EntryState.APPROVED, **figures):
    ind = session.scalar(select(IndicatorRow).where(IndicatorRow.code == code))
    unit_id = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == unit))
    entry = record_value(session=session, indicator_id=ind.id, unit_id=unit_id, period_id=period.id, user_id=None,
                         **figures)  # fmt: skip
    if state in (EntryState.SUBMITTED, EntryState.APPROVED):
        submit(session=session, entry=entry, writer=OFFICE)
    if state is EntryState.APPROVED:
        approve(session=session, entry=entry, writer=OFFICE)


def test_city_figure_is_the_sum_of_approved_county_figures(session):
    row, periods = _setup(session, [ROADS])
    # June ends on day 181 of 365: 序时进度 = 49.59%.
    _report(
        session, "L02-1", "镇雄县", periods[5], value=Decimal(300)
    )  # 300/740 = 40.54%: 9.05 pp behind → 正常
    _report(
        session, "L02-1", "昭阳区", periods[5], value=Decimal(200)
    )  # 200/500 = 40%: 9.59 pp behind → 正常
    overview = period_overview(session=session, plan_row=row, month=6)
    line = overview.indicators[0]
    assert line.figure.value == Decimal(500)
    # City: 500/1240 = 40.32%, 9.27 pp behind.
    assert round(line.judgement.completion_pct, 2) == Decimal("40.32")
    assert line.judgement.status is Status.ON_TRACK
    assert [u.judgement.status for u in line.units] == [Status.ON_TRACK, Status.ON_TRACK]


def test_submitted_figures_are_not_official_until_approved(session):
    row, periods = _setup(session, [ROADS])
    _report(session, "L02-1", "镇雄县", periods[5], value=Decimal(300), state=EntryState.SUBMITTED)
    official = period_overview(session=session, plan_row=row, month=6).indicators[0]
    # not judged on a figure awaiting review, but shown as 待审核, never as 未报送
    assert official.units[0].judgement.status is Status.PENDING
    assert (official.units[0].figure.value, official.units[0].report.label) == (None, "待审核")
    preview = period_overview(
        session=session, plan_row=row, month=6, basis=Basis(include_submitted=True)
    ).indicators[0]
    assert preview.units[0].figure.value == Decimal(300)


def test_each_county_rate_counts_counties_and_rolls_up_by_numerators(session):
    row, periods = _setup(session, [SEWAGE])
    _report(session, "L03-1", "镇雄县", periods[5], numerator=Decimal(90), denominator=Decimal(100))
    _report(session, "L03-1", "昭阳区", periods[5], numerator=Decimal(10), denominator=Decimal(100))
    line = period_overview(session=session, plan_row=row, month=6).indicators[0]
    assert [u.figure.value for u in line.units] == [Decimal(90), Decimal(10)]
    assert [u.judgement.status for u in line.units] == [Status.DONE, Status.FAR_BEHIND]
    assert (line.each.met, line.each.total) == (1, 2)
    assert line.series == [(6, Decimal(50))]  # (90 + 10) / (100 + 100), not a mean of two percentages


def test_rankings_and_reporting_status(session):
    row, periods = _setup(session, [ROADS])
    _report(session, "L02-1", "镇雄县", periods[5], value=Decimal(100))  # 13.5%: 36 pp behind → 严重滞后
    overview = period_overview(session=session, plan_row=row, month=6)
    # Both score 0: 并列第1 (see duban.progress.ranking); fewer 严重滞后 only orders the lines.
    assert [(r.unit, r.rank, r.far_behind) for r in overview.rankings] == [("昭阳区", 1, 0), ("镇雄县", 1, 1)]
    reporting = {r.unit: (r.expected, r.submitted, r.missing) for r in overview.reporting}
    assert reporting == {"镇雄县": (1, 1, 0), "昭阳区": (1, 0, 1)}
