from decimal import Decimal

from sqlalchemy import func, select

from builders import make_indicator, make_plan
from duban.persistence.db import at_head
from duban.persistence.models import AuditRow, IndicatorRow, PlanRow, UnitTargetRow
from duban.plan.model import Breakdown
from duban.plan.planfile import dump_plan, parse_plan_text
from duban.services.plan_loading import save_plan
from duban.services.plans import find_plan, plan_from_store


def test_store_is_built_by_the_migrations(engine):
    assert at_head(engine)


def test_saved_plan_reads_back_equal(session):
    plan = make_plan(indicators=[
        make_indicator(breakdown=Breakdown(targets={"镇雄县": Decimal(740), "昭阳区": Decimal(500)})),
        make_indicator(id="L03-1", name="农村生活污水治理率", unit="%", kind="rate", comparator=">=",
                       target=Decimal(70), numerator="已治理自然村数", denominator="自然村总数"),
    ])  # fmt: skip
    save_plan(session=session, plan=plan)
    back = plan_from_store(session=session, plan_row=find_plan(session=session))
    assert back == parse_plan_text(dump_plan(plan))


def test_loading_the_same_plan_again_updates_it_in_place(session):
    save_plan(session=session, plan=make_plan())
    first_id = session.scalar(select(IndicatorRow.id))
    changed = make_plan(indicators=[make_indicator(target=Decimal(1300), name="通硬化路里程")])
    save_plan(session=session, plan=changed)
    session.flush()
    assert session.scalar(select(func.count()).select_from(PlanRow)) == 1
    row = session.scalars(select(IndicatorRow)).one()
    assert (row.id, row.target, row.name) == (first_id, Decimal(1300), "通硬化路里程")


def test_indicators_removed_from_the_plan_leave_the_store(session):
    save_plan(session=session, plan=make_plan(indicators=[make_indicator(), make_indicator(id="X-1")]))
    save_plan(session=session, plan=make_plan(indicators=[make_indicator(id="X-1")]))
    session.flush()
    assert list(session.scalars(select(IndicatorRow.code))) == ["X-1"]


def test_breakdown_changes_replace_unit_targets(session):
    ind = make_indicator(breakdown=Breakdown(targets={"镇雄县": Decimal(1240)}))
    save_plan(session=session, plan=make_plan(indicators=[ind]))
    ind = make_indicator(breakdown=Breakdown(targets={"昭阳区": Decimal(1000), "鲁甸县": Decimal(240)}))
    save_plan(session=session, plan=make_plan(indicators=[ind]))
    session.flush()
    values = {t.unit.name: t.value for t in session.scalars(select(UnitTargetRow))}
    assert values == {"昭阳区": Decimal(1000), "鲁甸县": Decimal(240)}


def test_every_load_that_changes_the_plan_is_audited(session):
    save_plan(session=session, plan=make_plan())
    save_plan(session=session, plan=make_plan())  # unchanged: nothing written
    save_plan(session=session, plan=make_plan(indicators=[make_indicator(target=Decimal(1300))]))
    session.flush()
    assert list(session.scalars(select(AuditRow.action).order_by(AuditRow.id))) == [
        "plan.create",
        "plan.revise",
    ]
