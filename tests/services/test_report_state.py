"""One vocabulary of reporting state: 未报送, 待审核, 已退回, 已审核; pending is never missing or zero."""

from datetime import date
from decimal import Decimal

import pytest

from duban.choices import EntryState, ReportState, Status
from duban.services.office import Basis
from duban.services.overview import period_overview
from duban.services.summary import dashboard_summary
from services.test_no_task import BRIDGES
from services.test_overview import ROADS, _report, _setup

JULY_1 = date(2026, 7, 1)


@pytest.mark.parametrize(
    ("state", "label"),
    [(None, "未报送"), (EntryState.DRAFT, "未报送"), (EntryState.SUBMITTED, "待审核"),
     (EntryState.RETURNED, "已退回"), (EntryState.APPROVED, "已审核"), ("submitted", "待审核")],
)  # fmt: skip
def test_every_entry_state_has_one_reporting_word(state, label):
    assert ReportState.of(state).label == label


def _views(session, row, basis):
    return (period_overview(session=session, plan_row=row, month=6, basis=basis, today=JULY_1),
            dashboard_summary(session=session, plan_row=row, month=6, basis=basis, today=JULY_1))  # fmt: skip


def _unit_status(view, code, unit):
    if hasattr(view, "county_lines"):
        return next(u.judgement.status for line, u in view.county_lines(unit) if line.indicator.id == code)
    return next(v.status for v in view.county_values(code) if v.unit == unit)


def test_a_figure_awaiting_review_is_pending_not_missing_on_every_path(session):
    row, periods = _setup(session, [ROADS, BRIDGES])
    _report(session, "L02-1", "镇雄县", periods[5], value=Decimal(370))  # 50%: on track
    _report(session, "L02-1", "昭阳区", periods[5], value=Decimal(250), state=EntryState.SUBMITTED)
    _report(session, "L02-2", "昭阳区", periods[5], value=Decimal(5))
    _report(session, "L02-2", "镇雄县", periods[5], value=Decimal(5), state=EntryState.DRAFT)
    for view in _views(session, row, Basis()):
        assert _unit_status(view, "L02-1", "昭阳区") is Status.PENDING
        assert _unit_status(view, "L02-2", "镇雄县") is Status.NOT_REPORTED  # a draft is 未报送
        ranked = {r.unit: r for r in view.rankings}
        # 昭阳区: its pending figure is counted as 待审核, not scored as a missing one (1 of 1 judged is good)
        assert (ranked["昭阳区"].counts[Status.PENDING], ranked["昭阳区"].total, ranked["昭阳区"].score) == (
            1, 2, Decimal(100))  # fmt: skip
        assert ranked["昭阳区"].not_reported == 0
        line = next(r for r in view.reporting if r.unit == "昭阳区")
        assert (line.expected, line.submitted, line.pending, line.missing) == (2, 2, 1, 0)


def test_with_pending_figures_both_paths_judge_the_submitted_figure(session):
    row, periods = _setup(session, [ROADS])
    _report(session, "L02-1", "镇雄县", periods[5], value=Decimal(370))
    _report(session, "L02-1", "昭阳区", periods[5], value=Decimal(50), state=EntryState.SUBMITTED)
    overview, summary = _views(session, row, Basis(include_submitted=True))
    assert (
        _unit_status(overview, "L02-1", "昭阳区")
        is _unit_status(summary, "L02-1", "昭阳区")
        is Status.FAR_BEHIND
    )
    assert overview.indicators[0].figure.value == summary.indicators[0].figure.value == Decimal(420)
    assert overview.note.endswith("含待审核数据（已提交、尚未审核的数据一并计入）")
