"""No task, no score: a share of 0 is 无此项任务, out of counts, scores, done-shares and 报送情况."""

from datetime import date
from decimal import Decimal

import pytest

from builders import make_indicator, make_plan
from duban.choices import Comparator
from duban.plan.assignments import has_task, reporting_units
from duban.plan.model import Breakdown
from duban.services.overview import period_overview
from duban.services.summary import dashboard_summary
from services.test_overview import _report, _setup

ROADS = make_indicator(
    breakdown=Breakdown(targets={"镇雄县": Decimal(740), "昭阳区": Decimal(500), "水富市": Decimal(0)})
)
BRIDGES = make_indicator(
    id="L02-2", name="危桥改造", unit="座", target=Decimal(30), comparator=">=",
    breakdown=Breakdown(targets={"镇雄县": Decimal(10), "昭阳区": Decimal(10), "水富市": Decimal(10)}),
)  # fmt: skip


@pytest.mark.parametrize(
    ("comparator", "share", "task"),
    [(">=", "0", False), ("=", "0", False), (">", "0", False), ("~", "0", False), ("<=", "0", True),
     (">=", "1", True), ("=", "0.5", True)],
)  # fmt: skip
def test_a_share_of_zero_to_reach_is_no_task(comparator, share, task):
    ind = make_indicator(comparator=comparator, breakdown=Breakdown(targets={"水富市": Decimal(share)}))
    assert has_task(indicator=ind, unit="水富市") is task


def test_a_ceiling_of_zero_is_still_reported():
    ind = make_indicator(comparator=Comparator.AT_MOST, breakdown=Breakdown(targets={"水富市": Decimal(0)}))
    assert reporting_units(indicator=ind, plan=make_plan(indicators=[ind])) == ["水富市"]


def test_no_task_is_out_of_counts_scores_and_reporting_on_both_paths(session):
    row, periods = _setup(session, [ROADS, BRIDGES])
    for unit, roads, bridges in (("镇雄县", 300, 5), ("昭阳区", 100, 5), ("水富市", None, 5)):
        if roads is not None:
            _report(session, "L02-1", unit, periods[5], value=Decimal(roads))
        _report(session, "L02-2", unit, periods[5], value=Decimal(bridges))
    overview = period_overview(session=session, plan_row=row, month=6, today=date(2026, 7, 1))
    summary = dashboard_summary(session=session, plan_row=row, month=6, today=date(2026, 7, 1))
    assert [i.id for i in overview.no_task("水富市")] == ["L02-1"]
    assert [line.indicator.id for line, _ in overview.county_lines("水富市")] == ["L02-2"]
    for view in (overview, summary):
        ranked = {r.unit: (r.rank, r.total, r.good, r.not_reported) for r in view.rankings}
        # 水富市 holds one task (L02-2, on track), not a free 已完成 for its share of 0 on L02-1
        assert ranked["水富市"][1:] == (1, 1, 0)
        expected = {r.unit: (r.expected, r.missing) for r in view.reporting}
        assert expected["水富市"] == (1, 0)
    assert {r.unit: r.rank for r in overview.rankings} == {r.unit: r.rank for r in summary.rankings}
