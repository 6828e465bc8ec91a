"""`duban supervise run [--period 2026-06]` and `duban supervise remind`, as Typer-compatible functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from duban.demo import last_due_month
from duban.settings import Settings, get_settings
from duban.store.db import make_engine, session_factory, transaction
from duban.store.plans import find_plan
from duban.store.supervision import (
    Reminder,
    RuleRun,
    apply_rules,
    claim_reminders,
    record_delivery,
    refresh_colours,
)
from duban.supervision.mail import MailServer, ReminderMail, reminder_message, send_all
from duban.supervision.situations import ProjectAlert


@dataclass(frozen=True)
class Delivery:
    """What one reminder run did."""

    reminded: int
    emailed: int
    failed: int


def run_rules(
    period: Annotated[
        str | None, typer.Option(help="月份,如 2026-06 或 6;默认为最近一个已过报送截止日的月份")
    ] = None,
) -> None:
    """Open supervision items for new situations, flag items whose cause has gone, refresh colours."""
    settings = get_settings()
    try:
        run = apply_plan_rules(factory=_factory(settings), settings=settings, period=period)
    except ValueError as exc:
        typer.echo(f"错误:{exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"{run.month}月:触发督办情形 {run.fired} 个,新立督办单 {len(run.opened)} 件,"
        f"原因已消除待办结 {len(run.flagged)} 件,颜色变化 {len(run.recoloured)} 件"
    )


def send_reminders() -> None:
    """Remind units of the items waiting on them, in the app and by e-mail, at most once per item per day."""
    settings = get_settings()
    done = deliver_reminders(factory=_factory(settings), settings=settings, today=today_of(settings))
    typer.echo(f"今日提醒 {done.reminded} 件,邮件发出 {done.emailed} 封,失败 {done.failed} 封")


def apply_plan_rules(
    *, factory: sessionmaker[Session], settings: Settings, period: str | None,
    projects: list[ProjectAlert] | None = None,
) -> RuleRun:  # fmt: skip
    """Run the rules of the newest plan for `period` (default: the last month whose figures are due)."""
    today = today_of(settings)
    with transaction(factory) as session:
        plan_row = find_plan(session=session)
        if plan_row is None:
            raise ValueError("尚未导入计划,请先运行 duban plan load")
        month = period_month(period=period, year=plan_row.year, today=today, cutoff_day=settings.cutoff_day)
        if projects is None:
            from duban.store.projects import project_alerts

            projects = project_alerts(session=session, plan_id=plan_row.id, on=today)
        return apply_rules(session=session, plan_row=plan_row, month=month, today=today, projects=projects)


def deliver_reminders(*, factory: sessionmaker[Session], settings: Settings, today: date) -> Delivery:
    """Claim today's reminders (committed first, so no other server sends them), then e-mail them."""
    with transaction(factory) as session:
        refresh_colours(session=session, plan_id=None, today=today)
        reminders = claim_reminders(session=session, today=today)
    return mail_reminders(factory=factory, settings=settings, reminders=reminders, today=today)


def mail_reminders(
    *, factory: sessionmaker[Session], settings: Settings, reminders: list[Reminder], today: date
) -> Delivery:
    """E-mail reminders already claimed and committed to the units that have addresses; note each delivery."""
    mailable = [r for r in reminders if r.recipients]
    errors = _send(settings, mailable, today)
    with transaction(factory) as session:
        for reminder, error in zip(mailable, errors, strict=True):
            record_delivery(session=session, reminder_id=reminder.id, error=error)
    failed = sum(1 for e in errors if e)
    return Delivery(reminded=len(reminders), emailed=len(errors) - failed, failed=failed)


def _send(settings: Settings, reminders: list[Reminder], today: date) -> list[str | None]:
    if not settings.smtp_host:
        return ["未配置邮件服务器(DUBAN_SMTP_HOST)"] * len(reminders)
    server = MailServer(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_sender,
                        username=settings.smtp_username, password=settings.smtp_password,
                        starttls=settings.smtp_starttls, timeout=settings.smtp_timeout)  # fmt: skip
    base = settings.public_url.rstrip("/")
    messages = [
        reminder_message(mail=ReminderMail(recipients=r.recipients, unit=r.unit, title=r.title, ask=r.ask,
                                           colour=r.colour, deadline=r.deadline,
                                           link=f"{base}/supervision/items/{r.item_id}"),
                         sender=settings.smtp_sender, today=today)
        for r in reminders
    ]  # fmt: skip
    return send_all(server=server, messages=messages)


def period_month(*, period: str | None, year: int, today: date, cutoff_day: int) -> int:
    """The month `period` names ("2026-06", "2026年6月" or "6"), or the last month whose figures are due."""
    if period is None:
        month = last_due_month(today=today, year=year, cutoff_day=cutoff_day)
        if month < 1:
            raise ValueError(f"{year}年尚无已过截止日的报送期,请用 --period 指定月份")
        return month
    match = re.fullmatch(r"\s*(?:(\d{4})\s*[-年/.]\s*)?(\d{1,2})\s*月?\s*", period)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"无法识别的月份“{period}”,请写成 {year}-06 或 6")
    if match.group(1) and int(match.group(1)) != year:
        raise ValueError(f"月份“{period}”不在计划年度 {year} 年内")
    return int(match.group(2))


def today_of(settings: Settings) -> date:
    """Today, or the date DUBAN_TODAY pretends it is."""
    return date.fromisoformat(settings.today) if settings.today else date.today()


def _factory(settings: Settings) -> sessionmaker[Session]:
    return session_factory(make_engine(settings.sqlalchemy_url()))
