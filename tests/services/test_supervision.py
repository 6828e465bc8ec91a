"""Supervision items in the store: a county falls seriously behind and the item follows it to the end."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from duban.choices import Colour, ItemCause, ItemState
from duban.persistence.audit import history
from duban.persistence.models import UserRow
from duban.persistence.supervision_models import SupervisionItemRow, SupervisionReplyRow
from duban.services.supervision import (
    Evidence,
    answer,
    apply_rules,
    claim_reminders,
    close,
    counts_by_colour,
    get_item,
    item_history,
    list_items,
    open_items_by_indicator,
    refresh_colours,
    return_item,
    rules_of,
    save_rules,
    sign,
)
from duban.supervision.rules import SupervisionRules
from duban.supervision.situations import ProjectAlert
from duban.supervision.workflow import ItemError
from supervision.scenario import report, report_june, setup_plan

JULY_1 = date(2026, 7, 1)
PDF = b"%PDF-1.4 minutes of the county meeting"


def _user(session, name):
    return session.scalar(select(UserRow.id).where(UserRow.username == name))


def test_an_item_opens_by_itself_and_is_followed_to_the_end(session, tmp_path):
    row = setup_plan(session)
    report_june(session)
    run = apply_rules(session=session, plan_row=row, month=6, today=JULY_1)
    assert len(run.opened) == 1
    item = get_item(session=session, item_id=run.opened[0])
    assert (item.unit.name, ItemCause(item.cause), ItemState(item.state)) == (
        "镇雄县",
        ItemCause.FAR_BEHIND,
        ItemState.PENDING,
    )
    assert (item.colour, item.deadline, item.indicator.code) == ("red", date(2026, 7, 11), "L02-1")
    assert "严重滞后" in item.ask

    county, office = _user(session, "zhenxiong"), _user(session, "admin")
    sign(session=session, item=item, user_id=county, today=JULY_1)
    answer(
        session=session, item=item, user_id=county, text="已召开专题会议,倒排工期。", today=date(2026, 7, 3)
    )
    return_item(session=session, item=item, user_id=office, reason="未说明完工时间", today=date(2026, 7, 4))
    assert (ItemState(item.state), item.return_reason, item.returns) == (
        ItemState.HANDLING,
        "未说明完工时间",
        1,
    )
    answer(session=session, item=item, user_id=county, text="9月底前完成剩余里程。",
           evidence=Evidence("会议纪要.pdf", PDF), data_dir=tmp_path, today=date(2026, 7, 6))  # fmt: skip
    close(session=session, item=item, user_id=office, today=date(2026, 7, 7))
    assert ItemState(item.state) is ItemState.CLOSED

    steps = [
        (a.action, a.user_id, (a.new or {}).get("state"))
        for a in history(session=session, entity="supervision_item", entity_id=item.id)
    ]
    assert steps == [
        ("supervision.open", None, "pending"),
        ("supervision.sign", county, "handling"),
        ("supervision.answer", county, "answered"),
        ("supervision.return", office, "handling"),
        ("supervision.answer", county, "answered"),
        ("supervision.close", office, "closed"),
    ]
    assert (
        history(session=session, entity="supervision_item", entity_id=item.id)[3].reason == "未说明完工时间"
    )
    replies = session.scalars(select(SupervisionReplyRow).where(SupervisionReplyRow.item_id == item.id)).all()
    assert [r.evidence_name for r in replies] == [None, "会议纪要.pdf"]
    stored = [p for p in (tmp_path / "evidence" / "supervision").rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in stored] == [PDF]

    again = apply_rules(session=session, plan_row=row, month=6, today=date(2026, 7, 8))
    assert (again.fired, again.opened) == (1, [])
    assert session.scalar(select(SupervisionItemRow.id).where(SupervisionItemRow.id != item.id)) is None


def test_a_second_run_opens_nothing_new_while_the_item_is_open(session):
    row = setup_plan(session)
    report_june(session)
    first = apply_rules(session=session, plan_row=row, month=6, today=JULY_1)
    second = apply_rules(session=session, plan_row=row, month=6, today=date(2026, 7, 2))
    assert (len(first.opened), second.opened, second.fired) == (1, [], 1)


def test_a_cause_that_disappears_flags_the_item_and_never_closes_it(session):
    row = setup_plan(session)
    report_june(session)
    [item_id] = apply_rules(session=session, plan_row=row, month=6, today=JULY_1).opened
    report(session, "镇雄县", 7, Decimal(450))  # July: 450/740 = 60.8% against 57.9% → 正常
    report(session, "昭阳区", 7, Decimal(300))
    run = apply_rules(session=session, plan_row=row, month=7, today=date(2026, 8, 1))
    item = get_item(session=session, item_id=item_id)
    assert (run.flagged, ItemState(item.state), item.cause_cleared_on) == (
        [item_id],
        ItemState.PENDING,
        date(2026, 8, 1),
    )
    assert list_items(session=session, plan_id=row.id)[0].flagged
    with pytest.raises(ItemError, match="办结说明"):
        close(session=session, item=item, user_id=None, note=" ")
    close(session=session, item=item, user_id=_user(session, "admin"), note="8月已赶上序时进度")
    assert ItemState(item.state) is ItemState.CLOSED


def test_falling_behind_again_after_recovering_opens_a_new_item(session):
    row = setup_plan(session)
    report_june(session)
    [first] = apply_rules(session=session, plan_row=row, month=6, today=JULY_1).opened
    report(session, "镇雄县", 7, Decimal(450))
    report(session, "昭阳区", 7, Decimal(300))
    apply_rules(session=session, plan_row=row, month=7, today=date(2026, 8, 1))
    close(session=session, item=get_item(session=session, item_id=first), user_id=None, note="已赶上")
    report(session, "镇雄县", 8, Decimal(200))  # August: 27% against 66.3% → 严重滞后 again
    report(session, "昭阳区", 8, Decimal(340))
    run = apply_rules(session=session, plan_row=row, month=8, today=date(2026, 9, 1))
    assert len(run.opened) == 1
    assert get_item(session=session, item_id=run.opened[0]).key == "indicator:L02-1:镇雄县#2"


def test_staying_behind_for_two_periods_opens_a_yellow_item(session):
    row = setup_plan(session, SupervisionRules(behind_periods=2, report_overdue_days=None))
    # 序时进度 end of May 41.2%, June 49.6%; 镇雄县 at 27% then 35% is 14 pp behind both times → 滞后.
    report(session, "镇雄县", 5, Decimal(200))
    report(session, "昭阳区", 5, Decimal(210))
    may = apply_rules(session=session, plan_row=row, month=5, today=date(2026, 6, 1))
    report(session, "镇雄县", 6, Decimal(260))
    report(session, "昭阳区", 6, Decimal(250))
    june = apply_rules(session=session, plan_row=row, month=6, today=JULY_1)
    assert (may.fired, len(june.opened)) == (0, 1)
    item = get_item(session=session, item_id=june.opened[0])
    assert (ItemCause(item.cause), item.colour) == (ItemCause.BEHIND, "yellow")


def test_a_report_overdue_by_five_days_opens_an_item_for_the_late_unit(session):
    row = setup_plan(session, SupervisionRules(behind_periods=None))
    report(session, "昭阳区", 6, Decimal(250))  # 镇雄县 reports nothing for June (due 25 June)
    early = apply_rules(session=session, plan_row=row, month=6, today=date(2026, 6, 29))
    late = apply_rules(session=session, plan_row=row, month=6, today=date(2026, 6, 30))
    assert (early.opened, len(late.opened)) == ([], 1)
    item = get_item(session=session, item_id=late.opened[0])
    assert (item.unit.name, ItemCause(item.cause), item.subject) == (
        "镇雄县",
        ItemCause.REPORT_OVERDUE,
        "report:镇雄县:06",
    )


def test_a_red_project_light_opens_an_item_once(session):
    row = setup_plan(session, SupervisionRules(report_overdue_days=None))
    alert = ProjectAlert(code="P-001", name="镇雄县物流园", unit="镇雄县", red=True, reason="(开工逾期)")
    first = apply_rules(session=session, plan_row=row, month=6, today=JULY_1, projects=[alert])
    second = apply_rules(session=session, plan_row=row, month=6, today=JULY_1, projects=[alert])
    assert (len(first.opened), second.opened) == (1, [])
    assert get_item(session=session, item_id=first.opened[0]).project_code == "P-001"


def test_colours_rise_as_the_deadline_nears_and_passes(session):
    row = setup_plan(session, SupervisionRules(report_overdue_days=None))
    alert = ProjectAlert(code="P-9", name="示范项目", unit="镇雄县", red=True)
    [item_id] = apply_rules(session=session, plan_row=row, month=7, today=JULY_1, projects=[alert]).opened
    calm = ProjectAlert(code="P-9", name="示范项目", unit="镇雄县", red=False)
    assert apply_rules(session=session, plan_row=row, month=7, today=JULY_1, projects=[calm]).flagged == [
        item_id
    ]
    item = get_item(session=session, item_id=item_id)
    assert item.colour is None  # cause gone, deadline 11 July still far
    colours = {}
    for day in (7, 8, 11, 12):
        refresh_colours(session=session, plan_id=row.id, today=date(2026, 7, day))
        colours[day] = item.colour
    assert colours == {7: None, 8: "blue", 11: "blue", 12: "red"}


def test_counts_and_items_by_indicator_for_the_dashboard(session):
    row = setup_plan(session)
    report_june(session)
    apply_rules(session=session, plan_row=row, month=6, today=JULY_1)
    assert counts_by_colour(session=session, plan_id=row.id) == {
        "red": 1, "yellow": 0, "blue": 0, "none": 0, "total": 1, "flagged": 0}  # fmt: skip
    grouped = open_items_by_indicator(session=session, plan_id=row.id)
    assert [(i.unit, i.colour) for i in grouped["L02-1"]] == [("镇雄县", Colour.RED)]


def test_steps_out_of_order_are_refused_with_a_chinese_message(session, tmp_path):
    row = setup_plan(session)
    report_june(session)
    item = get_item(
        session=session, item_id=apply_rules(session=session, plan_row=row, month=6, today=JULY_1).opened[0]
    )
    with pytest.raises(ItemError, match=r"待签收.*不能反馈"):
        answer(session=session, item=item, user_id=None, text="x")
    sign(session=session, item=item, user_id=None)
    with pytest.raises(ItemError, match="反馈内容不能为空"):
        answer(session=session, item=item, user_id=None, text="  ")
    with pytest.raises(ItemError, match="不能办结"):
        close(session=session, item=item, user_id=None)
    with pytest.raises(ItemError, match="不是可接受的文件类型"):
        answer(
            session=session,
            item=item,
            user_id=None,
            text="ok",
            evidence=Evidence("a.exe", b"MZ\x90"),
            data_dir=tmp_path,
        )


def test_one_reminder_per_item_per_day(session):
    row = setup_plan(session)
    report_june(session)
    apply_rules(session=session, plan_row=row, month=6, today=JULY_1)
    first, again = (
        claim_reminders(session=session, today=JULY_1),
        claim_reminders(session=session, today=JULY_1),
    )
    tomorrow = claim_reminders(session=session, today=date(2026, 7, 2))
    assert ([r.recipients for r in first], again, len(tomorrow)) == ([["zx@example.cn"]], [], 1)


def test_rules_are_kept_with_the_plan(session):
    row = setup_plan(session, SupervisionRules(reply_days=5, behind_periods=None))
    assert (
        rules_of(session=session, plan_id=row.id).reply_days,
        rules_of(session=session, plan_id=row.id).behind_periods,
    ) == (5, None)
    save_rules(session=session, plan_id=row.id, rules=None)
    assert rules_of(session=session, plan_id=row.id) == SupervisionRules()


def test_history_names_who_took_each_step(session):
    row = setup_plan(session)
    report_june(session)
    item = get_item(
        session=session, item_id=apply_rules(session=session, plan_row=row, month=6, today=JULY_1).opened[0]
    )
    sign(session=session, item=item, user_id=_user(session, "zhenxiong"))
    assert [(a.action, who) for a, who in item_history(session=session, item_id=item.id)] == [
        ("supervision.open", None), ("supervision.sign", "zhenxiong")]  # fmt: skip


def test_each_step_of_an_item_is_recorded_by_the_audit_mechanism_with_its_values(session):
    row = setup_plan(session)
    report_june(session)
    item = get_item(
        session=session, item_id=apply_rules(session=session, plan_row=row, month=6, today=JULY_1).opened[0]
    )
    sign(session=session, item=item, user_id=_user(session, "zhenxiong"), today=JULY_1)
    item.title = "直接改库的标题"  # a change no service made: still on the item's trail, with no actor
    session.flush()
    session.flush()  # the audit row itself
    opened, signed, loose = history(session=session, entity="supervision_item", entity_id=item.id)
    assert (opened.old, opened.new["state"], opened.new["deadline"], opened.reason) == (
        None, "pending", "2026-07-11", item.ask,
    )  # fmt: skip
    assert (signed.old["state"], signed.new["state"]) == ("pending", "handling")
    assert (loose.action, loose.user_id, loose.new["title"]) == (
        "supervision_item.change",
        None,
        "直接改库的标题",
    )
