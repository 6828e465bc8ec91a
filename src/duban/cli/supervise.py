"""`duban supervise run [--period 2026-06]` and `duban supervise remind`."""

from __future__ import annotations

from typing import Annotated

import typer

from duban.cli.runtime import fail, get_settings, sessions


def run_rules(
    period: Annotated[
        str | None, typer.Option(help="月份，如 2026-06 或 6；默认为最近一个已过报送截止日的月份")
    ] = None,
) -> None:
    """按督办规则为新出现的情形立单，标出原因已消除的督办单，并刷新颜色。"""
    from duban.services.supervision_runs import apply_plan_rules

    settings = get_settings()
    try:
        with sessions(settings) as factory:
            run = apply_plan_rules(factory=factory, settings=settings, period=period)
    except ValueError as exc:
        fail(f"错误：{exc}")
    typer.echo(
        f"{run.month}月：触发督办情形 {run.fired} 个，新立督办单 {len(run.opened)} 件，"
        f"原因已消除待办结 {len(run.flagged)} 件，颜色变化 {len(run.recoloured)} 件"
    )


def send_reminders() -> None:
    """提醒各单位待办的督办单（站内和邮件），每件每天最多一次。"""
    from duban.services.supervision_runs import deliver_reminders

    settings = get_settings()
    with sessions(settings) as factory:
        done = deliver_reminders(factory=factory, settings=settings, today=settings.current_date())
    typer.echo(f"今日提醒 {done.reminded} 件，邮件发出 {done.emailed} 封，失败 {done.failed} 封")
