from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from builders import make_indicator, make_plan
from duban.choices import Role
from duban.persistence.models import AuditRow, EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.plan.model import Breakdown, Plan
from duban.services.entries import (
    ConflictError,
    ValidationFailed,
    WorkflowError,
    Writer,
    approve,
    cell_history,
    ensure_periods,
    figure_as_of,
    record_value,
    return_entry,
    save_figure,
    submit,
    submit_entries,
    unit_sheet,
)
from duban.services.periods import PeriodClosed, lock_period, reopen_period
from duban.services.plan_loading import save_plan
from duban.services.plans import indicator_from_row
from duban.services.users import add_user

D = Decimal
PASSWORD = "correct horse battery"
JUNE_10 = date(2026, 6, 10)


def reporting_plan() -> Plan:
    two = {"镇雄县": D(740), "昭阳区": D(500)}
    return make_plan(indicators=[
        make_indicator(breakdown=Breakdown(targets=two)),
        make_indicator(id="L03-1", name="农村生活污水治理率", unit="%", kind="rate", comparator=">=",
                       target=D(70), numerator="已治理自然村数", denominator="自然村总数",
                       breakdown=Breakdown(targets={"镇雄县": D(70), "昭阳区": D(70)})),
        make_indicator(id="M-1", name="县医院新院区建设", unit="项", kind="milestone", comparator="=",
                       target=D(1), scope="镇雄县"),
    ])  # fmt: skip


@dataclass
class World:
    plan_row: PlanRow
    plan: Plan
    units: dict[str, OrgUnitRow]
    periods: list[PeriodRow]
    rows: dict[str, IndicatorRow]
    users: dict[str, int]

    def writer(self, name: str, today: date = JUNE_10) -> Writer:
        return Writer(user_id=self.users[name], admin=name == "admin", today=today)

    def save(self, session: Session, code: str, month: int = 6, unit: str = "镇雄县", who: str = "zhenxiong",
             today: date = JUNE_10, **raw: object) -> EntryRow:  # fmt: skip
        version = raw.pop("version", None)
        return save_figure(session=session, plan_row=self.plan_row, indicator=indicator_from_row(self.rows[code]),
                           indicator_id=self.rows[code].id, unit=self.units[unit],
                           period=self.periods[month - 1], raw=raw, writer=self.writer(who, today),
                           expected_version=version)  # type: ignore[arg-type]  # fmt: skip


def make_world(session: Session, plan: Plan | None = None, combine: bool = False) -> World:
    plan = plan or reporting_plan()
    plan_row = save_plan(session=session, plan=plan)
    periods = ensure_periods(session=session, plan=plan_row, cutoff_day=25, combine_jan_feb=combine)
    users = {
        "admin": add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN,
                          display_name="督查室张三").id,
        "zhenxiong": add_user(session=session, username="zhenxiong", password=PASSWORD, role=Role.REPORTER,
                              unit="镇雄县", display_name="镇雄李四", email="li@example.cn").id,
        "zhaoyang": add_user(session=session, username="zhaoyang", password=PASSWORD, role=Role.REPORTER,
                             unit="昭阳区").id,
    }  # fmt: skip
    units = {u.name: u for u in session.scalars(select(OrgUnitRow))}
    rows = {r.code: r for r in session.scalars(select(IndicatorRow))}
    return World(plan_row, plan, units, periods, rows, users)


@pytest.fixture
def world(session):
    return make_world(session)


def test_a_valid_figure_is_saved_as_a_draft(session, world):
    entry = world.save(session, "L02-1", value="370")
    assert (entry.value, entry.state, entry.version) == (D(370), "draft", 1)


def test_the_rate_is_computed_from_numerator_and_denominator(session, world):
    entry = world.save(session, "L03-1", numerator="36", denominator="48")
    assert (entry.numerator, entry.denominator, entry.value) == (D(36), D(48), D(75))


def test_a_milestone_keeps_its_stage_and_date(session, world):
    entry = world.save(session, "M-1", stage="已完成", stage_date="2026-05-30")
    assert (entry.stage, entry.stage_date, entry.value) == ("completed", date(2026, 5, 30), D(1))


def test_problems_are_listed_in_chinese_and_nothing_is_saved(session, world):
    with pytest.raises(ValidationFailed) as caught:
        world.save(session, "L03-1", numerator="N/A", denominator="—")
    assert [str(p) for p in caught.value.problems] == [
        "分子：“N/A”不是数字，请填写数值（确无发生请填 0）",
        "分母：“—”不是数字，请填写数值（确无发生请填 0）",
    ]
    assert session.scalar(select(EntryRow)) is None


@pytest.mark.parametrize(
    ("code", "raw", "field"),
    [
        ("L02-1", {"value": 6.073052774503451e68}, "本期数值"),
        ("L02-1", {"value": "1000000000000000000"}, "本期数值"),
        ("L03-1", {"numerator": "10000000000000000000", "denominator": "20000000000000000000"}, "分子"),
    ],
)
def test_a_figure_too_large_for_the_store_is_a_problem_not_a_database_error(session, world, code, raw, field):
    with pytest.raises(ValidationFailed) as caught:
        world.save(session, code, **raw)
    assert f"{field}：数值过大" in str(caught.value)
    assert session.scalar(select(EntryRow)) is None


def test_falling_cumulative_is_checked_against_last_month(session, world):
    world.save(session, "L02-1", month=5, value="400", today=date(2026, 5, 10))
    with pytest.raises(ValidationFailed, match="年初至今累计 390 低于上期累计 400"):
        world.save(session, "L02-1", value="390", note="x")


def test_only_approval_makes_a_figure_official(session, world):
    entry = world.save(session, "L02-1", value="370")
    submit(session=session, entry=entry, writer=world.writer("zhenxiong"))
    assert entry.official_value is None
    approve(session=session, entry=entry, writer=world.writer("admin"))
    assert entry.official_value == D(370)
    with pytest.raises(WorkflowError, match="修改已审核通过的数据必须说明理由"):
        world.save(session, "L02-1", value="380", version=entry.version)
    corrected = save_figure(session=session, plan_row=world.plan_row, indicator=indicator_from_row(world.rows["L02-1"]),
                            indicator_id=world.rows["L02-1"].id,
                            unit=world.units["镇雄县"], period=world.periods[5], raw={"value": "380"},
                            writer=world.writer("zhenxiong"), reason="统计口径更正")  # fmt: skip
    assert (corrected.value, corrected.official_value, corrected.state) == (D(380), D(370), "draft")


def test_return_needs_a_reason_and_the_unit_can_correct_and_resubmit(session, world):
    entry = world.save(session, "L02-1", value="370")
    submit(session=session, entry=entry, writer=world.writer("zhenxiong"))
    with pytest.raises(WorkflowError, match="退回必须说明理由"):
        return_entry(session=session, entry=entry, writer=world.writer("admin"), reason=" ")
    with pytest.raises(WorkflowError, match="已提交待审核的数据不能修改"):
        world.save(session, "L02-1", value="371")
    return_entry(session=session, entry=entry, writer=world.writer("admin"), reason="与台账不符")
    late = date(2026, 7, 3)  # after the deadline: a returned figure may still be corrected
    fixed = world.save(session, "L02-1", value="365", today=late)
    submit_entries(session=session, plan_row=world.plan_row, unit_id=world.units["镇雄县"].id,
                   period=world.periods[5], writer=world.writer("zhenxiong", late))  # fmt: skip
    assert (fixed.state, fixed.value, fixed.return_reason) == ("submitted", D(365), "与台账不符")


def test_a_stale_version_is_a_conflict_that_names_the_other_editor(session, world):
    first = world.save(session, "L02-1", value="370", version=0)
    seen = first.version
    world.save(session, "L02-1", value="372", version=seen, who="admin")
    with pytest.raises(ConflictError, match=r"该数据已被督查室张三于.*修改（当前值 372）") as caught:
        world.save(session, "L02-1", value="375", version=seen)
    assert caught.value.current["value"] == "372"
    assert session.scalars(select(EntryRow)).one().value == D(372)


def test_two_sessions_editing_at_once_the_second_gets_a_conflict(factory):
    with factory() as setup, setup.begin():
        world = make_world(setup)
        world.save(setup, "L02-1", value="370")
    with factory() as first, factory() as second:
        seen = [session.scalars(select(EntryRow)).one() for session in (first, second)]
        assert [e.version for e in seen] == [1, 1]  # both read version 1
        record_value(session=first, indicator_id=world.rows["L02-1"].id, unit_id=world.units["镇雄县"].id,
                     period_id=world.periods[5].id, user_id=None, value=D(380))  # fmt: skip
        first.commit()
        with pytest.raises(ConflictError, match="刚被他人修改"):
            record_value(session=second, indicator_id=world.rows["L02-1"].id, unit_id=world.units["镇雄县"].id,
                         period_id=world.periods[5].id, user_id=None, value=D(390))  # fmt: skip
        second.rollback()
    with factory() as check:
        assert check.scalars(select(EntryRow)).one().value == D(380)


def test_figure_as_it_stood_on_a_date_and_the_history_of_one_cell(session, world):
    entry = world.save(session, "L02-1", value="370")
    submit(session=session, entry=entry, writer=world.writer("zhenxiong"))
    approve(session=session, entry=entry, writer=world.writer("admin"))
    session.execute(update(AuditRow).values(at=datetime(2026, 6, 30, 4, tzinfo=UTC)))  # noon in 昭通
    assert figure_as_of(session=session, entry_id=entry.id, on=date(2026, 6, 29)) is None
    assert figure_as_of(session=session, entry_id=entry.id, on=date(2026, 6, 30))["value"] == "370"
    steps = cell_history(session=session, entry_id=entry.id)
    assert [(s["action_label"], s["user"]) for s in steps] == [
        ("填报", "镇雄李四"),
        ("提交", "镇雄李四"),
        ("审核通过", "督查室张三"),
    ]
    assert steps[0]["old"] is None and steps[0]["new"]["value"] == "370"


def test_reporters_are_held_to_the_deadline_until_the_office_reopens(session, world):
    late = date(2026, 6, 26)
    with pytest.raises(PeriodClosed, match="2026年6月报送已于 2026-06-25 截止"):
        world.save(session, "L02-1", value="370", today=late)
    with pytest.raises(WorkflowError, match="必须说明理由"):
        reopen_period(session=session, period=world.periods[5], user_id=world.users["admin"], reason="",
                      today=late)  # fmt: skip
    reopen_period(session=session, period=world.periods[5], user_id=world.users["admin"], reason="系统故障补报",
                  today=late, unit_id=world.units["镇雄县"].id)  # fmt: skip
    assert world.save(session, "L02-1", value="370", today=late).value == D(370)
    with pytest.raises(PeriodClosed):
        world.save(session, "L03-1", unit="昭阳区", who="zhaoyang", numerator=1, denominator=2, today=late)
    assert world.save(session, "L02-1", value="371", today=late + timedelta(days=30), who="admin")


def test_a_locked_period_refuses_even_the_office(session, world):
    lock_period(session=session, period=world.periods[5], user_id=world.users["admin"], today=JUNE_10)
    with pytest.raises(PeriodClosed, match="已锁定"):
        world.save(session, "L02-1", value="370", who="admin")
    actions = list(session.scalars(select(AuditRow.action).where(AuditRow.entity == "period")))
    assert actions == ["period.lock"]


def test_unit_sheet_lists_the_units_indicators_with_targets_and_last_month(session, world):
    world.save(session, "L02-1", month=5, value="300", today=date(2026, 5, 10))
    sheet = unit_sheet(session=session, plan=world.plan, plan_row=world.plan_row, unit=world.units["镇雄县"],
                       period=world.periods[5])  # fmt: skip
    assert [(r.indicator.id, r.target) for r in sheet] == [("L02-1", D(740)), ("L03-1", D(70)), ("M-1", D(1))]
    assert sheet[0].previous.value == D(300) and sheet[0].entry is None
