"""The office's bulletin numbers: one counter per plan, in the audit trail, clashes reported."""

from datetime import date

from builders import make_plan
from duban.services.bulletins import issued_bulletins, next_number, record_issue
from duban.services.plan_loading import save_plan

DAY = date(2026, 11, 30)


def test_numbers_count_up_and_a_reused_number_is_reported(session):
    plan = save_plan(session=session, plan=make_plan())
    other = save_plan(session=session, plan=make_plan(year=2027, title="昭通市2027年重点工作"))
    assert next_number(session=session, plan_id=plan.id) == 1
    assert (
        record_issue(session=session, plan_id=plan.id, number=1, period="2026-09", unit=None, issued=DAY)
        is None
    )
    assert (
        record_issue(session=session, plan_id=plan.id, number=2, period="2026-10", unit="镇雄县", issued=DAY)
        is None
    )
    session.flush()
    assert next_number(session=session, plan_id=plan.id) == 3
    assert next_number(session=session, plan_id=other.id) == 1, "each year counts from 1"
    again = record_issue(
        session=session, plan_id=plan.id, number=2, period="2026-10", unit="镇雄县", issued=DAY
    )
    assert again is None, "the same bulletin issued again keeps its number"
    clash = record_issue(session=session, plan_id=plan.id, number=2, period="2026-11", unit=None, issued=DAY)
    assert clash is not None and clash.words() == "2026-10（镇雄县）通报"
    assert [b.number for b in issued_bulletins(session=session, plan_id=plan.id)] == [1, 2, 2, 2]
