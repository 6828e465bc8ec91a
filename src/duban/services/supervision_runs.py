"""A run of the 督办 rules over the newest plan, and a day's reminders (`duban supervise run` / `remind`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from duban.months import period_month
from duban.persistence.db import transaction
from duban.services.plans import plan_of_year
from duban.services.projects import project_alerts
from duban.services.revise import year_named
from duban.services.supervision import (
    Reminder,
    RuleRun,
    apply_rules,
    claim_reminders,
    record_delivery,
    refresh_colours,
)
from duban.settings import Settings
from duban.supervision.mail import MailServer, ReminderMail, reminder_message, send_all
from duban.supervision.situations import ProjectAlert


@dataclass(frozen=True)
class Delivery:
    """What one reminder run did."""

    reminded: int
    emailed: int
    failed: int


def apply_plan_rules(
    *, factory: sessionmaker[Session], settings: Settings, period: str | None,
    projects: list[ProjectAlert] | None = None,
) -> RuleRun:  # fmt: skip
    """Run the rules of the plan of `period`'s year (else this year's plan) for `period` (default: the last month whose figures are due)."""
    today = settings.current_date()
    with transaction(factory) as session:
        named = year_named(period) if period else None  # "2026-06" is of the 2026 plan; "6" of this year's
        plan_row = plan_of_year(session=session, today=today, year=named)
        if plan_row is None:
            raise ValueError("尚未导入计划，请先运行 duban plan load")
        month = period_month(period=period, year=plan_row.year, today=today, cutoff_day=settings.cutoff_day)
        if projects is None:
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
        return ["未配置邮件服务器（DUBAN_SMTP_HOST）"] * len(reminders)
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
