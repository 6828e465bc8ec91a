"""A closed year under the one lock rule: every step refused to everyone, only the admin's correction allowed;
reopening restores exactly what the close changed; the command line closes, reopens and writes the 考核结果."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from duban.cli import app
from duban.services.entries import approve, submit
from duban.services.locks import Step, lock_refusal
from duban.services.periods import PeriodClosed, WorkflowError, lock_period, reopen_period
from duban.services.yearclose import close_year, correct_year_figure, reopen_year, year_result
from services.test_entries import make_world

JAN_10 = date(2027, 1, 10)
CLOSED = "2026年度已年终考核关闭"


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("who", ["admin", "zhenxiong"])
def test_a_closed_year_refuses_every_step_but_the_admins_correction(session, step, who):
    world = make_world(session)
    entry = world.save(session, "L02-1", value="370")
    before = lock_refusal(session=session, period=world.periods[5], unit_id=entry.unit_id, entry=entry,
                          writer=world.writer(who, JAN_10), step=step)  # fmt: skip
    assert close_year(session=session, plan_row=world.plan_row, user_id=None, today=JAN_10, reason="年终考核")
    after = lock_refusal(session=session, period=world.periods[5], unit_id=entry.unit_id, entry=entry,
                         writer=world.writer(who, JAN_10), step=step)  # fmt: skip
    if step is Step.CORRECT:
        assert "尚未年终考核关闭" in before  # corrections are for a closed year only
        assert after is None if who == "admin" else "只有管理员" in after
    else:
        assert CLOSED in after


def test_the_correction_needs_a_reason_and_is_official_at_once(session):
    world = make_world(session)
    entry = world.save(session, "L02-1", value="370")
    submit(session=session, entry=entry, writer=world.writer("zhenxiong"))
    close_year(session=session, plan_row=world.plan_row, user_id=None, today=JAN_10, reason="年终考核")
    with pytest.raises(PeriodClosed, match=CLOSED):
        approve(session=session, entry=entry, writer=world.writer("admin", JAN_10))
    ask = {"session": session, "plan_row": world.plan_row, "code": "L02-1", "unit": "镇雄县", "month": 6,
           "raw": {"value": "400"}, "writer": world.writer("admin", JAN_10)}  # fmt: skip
    with pytest.raises(WorkflowError, match="必须说明理由"):
        correct_year_figure(**ask, reason=" ")
    with pytest.raises(PeriodClosed, match="只有管理员"):
        correct_year_figure(**{**ask, "writer": world.writer("zhenxiong", JAN_10)}, reason="核定")
    corrected = correct_year_figure(**ask, reason="统计年报核定")
    assert (corrected.id, corrected.state, corrected.official_value) == (entry.id, "approved", D(400))


def test_closing_twice_changes_nothing_and_reopening_unlocks_only_what_the_close_locked(session):
    world = make_world(session)
    lock_period(session=session, period=world.periods[2], user_id=None, today=JAN_10, reason="3月已审定")
    assert close_year(session=session, plan_row=world.plan_row, user_id=None, today=JAN_10, reason="年终考核")
    closed_at = world.plan_row.closed_at
    assert not close_year(session=session, plan_row=world.plan_row, user_id=None, today=JAN_10, reason="再次")
    assert world.plan_row.closed_at == closed_at
    with pytest.raises(PeriodClosed, match=CLOSED):
        reopen_period(session=session, period=world.periods[5], user_id=None, reason="补报", today=JAN_10)
    with pytest.raises(WorkflowError, match="必须说明理由"):
        reopen_year(session=session, plan_row=world.plan_row, user_id=None, today=JAN_10, reason="")
    assert reopen_year(session=session, plan_row=world.plan_row, user_id=None, today=JAN_10, reason="补正")
    assert [p.month for p in world.periods if p.locked] == [3]
    assert not reopen_year(
        session=session, plan_row=world.plan_row, user_id=None, today=JAN_10, reason="再次"
    )
    world.save(session, "L02-1", value="370", who="admin", today=JAN_10)  # the office writes again


def test_final_statuses_follow_december_and_the_plans_line(session):
    world = make_world(session)
    for unit, value in (
        ("镇雄县", "700"),  # 700 of 740: 94.6 %, 基本完成 at the 90 % line
        ("昭阳区", "500"),  # its target: 完成
    ):
        entry = world.save(session, "L02-1", month=12, unit=unit, who="admin", today=JAN_10, value=value)
        submit(session=session, entry=entry, writer=world.writer("admin", JAN_10))
        approve(session=session, entry=entry, writer=world.writer("admin", JAN_10))
    result = year_result(session=session, plan_row=world.plan_row, today=JAN_10)
    roads = {c.ranking.unit: next(t for t in c.targets if t.code == "L02-1") for c in result.counties}
    assert (roads["镇雄县"].status.label, roads["昭阳区"].status.label) == ("基本完成", "完成")
    world.plan_row.thresholds = {**world.plan_row.thresholds, "mostly_done": "95"}
    result = year_result(session=session, plan_row=world.plan_row, today=JAN_10)
    roads = {c.ranking.unit: next(t for t in c.targets if t.code == "L02-1") for c in result.counties}
    assert roads["镇雄县"].status.label == "未完成"


def test_the_command_line_closes_reopens_and_writes_the_result(tmp_path, db_url, monkeypatch):
    runner = CliRunner()
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DUBAN_DATABASE_URL", db_url)
    monkeypatch.setenv("DUBAN_TODAY", "2027-01-10")
    monkeypatch.setenv("DUBAN_SECRET_KEY", "test key")
    from duban.settings import get_settings

    get_settings.cache_clear()
    try:
        assert runner.invoke(app, ["plan", "load"]).exit_code == 0
        first = runner.invoke(app, ["year", "close", "--year", "2026"])
        assert first.exit_code == 0 and "已年终考核关闭2026年度：锁定报送期12个" in first.output, first.output
        assert "此前年终考核关闭" in runner.invoke(app, ["year", "close", "--year", "2026"]).output
        made = runner.invoke(app, ["year", "result", "--year", "2026", "-o", str(tmp_path)])
        assert made.exit_code == 0, made.output
        book = load_workbook(tmp_path / "考核结果-2026.xlsx")
        assert {"县区考核结果", "市级目标完成情况", "县区目标完成情况"} <= set(book.sheetnames)
        text = "".join(p.text for p in Document(str(tmp_path / "考核结果-2026.docx")).paragraphs).replace(
            "\n", ""
        )
        assert "2026年度重点工作目标任务考核结果" in text
        assert runner.invoke(app, ["year", "reopen", "--year", "2026", "--reason", ""]).exit_code == 1
        reopened = runner.invoke(app, ["year", "reopen", "--year", "2026", "--reason", "补正12月数据"])
        assert reopened.exit_code == 0 and "已重新开放2026年度" in reopened.output
    finally:
        get_settings.cache_clear()
