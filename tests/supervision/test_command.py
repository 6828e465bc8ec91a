"""`duban supervise run` and `duban supervise remind` as the CLI will call them, on a migrated store."""

from __future__ import annotations

import pytest
import typer

from duban.cli.supervise import run_rules, send_reminders
from duban.persistence.db import transaction
from duban.settings import get_settings
from supervision.scenario import report_june, setup_plan


@pytest.fixture
def environment(monkeypatch, db_url, factory):
    with transaction(factory) as session:
        setup_plan(session)
        report_june(session)
    monkeypatch.setenv("DUBAN_DATABASE_URL", db_url)
    monkeypatch.setenv("DUBAN_TODAY", "2026-07-01")
    monkeypatch.delenv("DUBAN_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_run_twice_then_remind(environment, capsys):
    run_rules(period=None)  # 1 July: June is the last month due (cut-off the 25th)
    run_rules(period="2026-06")
    send_reminders()
    assert capsys.readouterr().out.splitlines() == [
        "6月：触发督办情形 1 个，新立督办单 1 件，原因已消除待办结 0 件，颜色变化 0 件",
        "6月：触发督办情形 1 个，新立督办单 0 件，原因已消除待办结 0 件，颜色变化 0 件",
        "今日提醒 1 件，邮件发出 0 封，失败 1 封",
    ]


def test_a_bad_month_is_refused_in_chinese(environment, capsys):
    with pytest.raises(typer.Exit) as exited:
        run_rules(period="2026-13")
    assert exited.value.exit_code == 1
    assert "无法识别的月份“2026-13”" in capsys.readouterr().err
