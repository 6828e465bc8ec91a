"""Reminder e-mails arrive at a local SMTP server (aiosmtpd), at most once per item per day, even with two servers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from duban.persistence.db import transaction
from duban.persistence.models import OrgUnitRow
from duban.services.supervision import apply_rules, inbox
from duban.services.supervision_runs import deliver_reminders
from duban.settings import Settings
from supervision.scenario import report_june, setup_plan


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [
            str(make_header(decode_header(message_from_bytes(raw)["Subject"]))) for _, raw in self.messages
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def opened(factory) -> int:
    """The plan with 镇雄县 far behind in June and its item opened on 1 July."""
    with transaction(factory) as session:
        row = setup_plan(session)
        report_june(session)
        apply_rules(session=session, plan_row=row, month=6, today=date(2026, 7, 1))
        return row.id


def _settings(db_url: str, port: int) -> Settings:
    return Settings(database_url=db_url, smtp_host="127.0.0.1", smtp_port=port, smtp_sender="duban@zt.gov.cn",
                    public_url="https://duban.example.cn")  # fmt: skip


def test_reminders_are_e_mailed_once_a_day(factory, db_url, mailbox, opened):
    box, port = mailbox
    settings = _settings(db_url, port)
    first = deliver_reminders(factory=factory, settings=settings, today=date(2026, 7, 1))
    again = deliver_reminders(factory=factory, settings=settings, today=date(2026, 7, 1))
    assert (first.reminded, first.emailed, again.reminded, len(box.messages)) == (1, 1, 0, 1)
    recipients, raw = box.messages[0]
    assert recipients == ["zx@example.cn"]
    assert box.subjects() == ["【红色督办】30户以上自然村通硬化路里程（镇雄县）"]
    body = message_from_bytes(raw).get_payload(decode=True).decode("utf-8")
    assert "反馈期限：2026-07-11（距反馈期限还有10天）" in body
    assert "https://duban.example.cn/supervision/items/1" in body
    deliver_reminders(factory=factory, settings=settings, today=date(2026, 7, 2))
    assert len(box.messages) == 2


def test_two_servers_reminding_at_once_send_each_reminder_once(factory, db_url, mailbox, opened):
    box, port = mailbox
    settings = _settings(db_url, port)
    start = threading.Barrier(2)
    results = []

    def server() -> None:
        start.wait()
        results.append(deliver_reminders(factory=factory, settings=settings, today=date(2026, 7, 1)))

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (sorted(r.reminded for r in results), len(box.messages)) == ([0, 1], 1)


def test_reminders_reach_the_inbox_even_without_an_smtp_server(factory, db_url, opened):
    settings = Settings(database_url=db_url, smtp_host=None)
    done = deliver_reminders(factory=factory, settings=settings, today=date(2026, 7, 1))
    with factory() as session:
        [reminder] = inbox(session=session, unit_id=_unit_id(session, "镇雄县"))
    assert (done.reminded, done.emailed, done.failed) == (1, 0, 1)
    assert (reminder.colour, reminder.emailed_at, reminder.email_error) == (
        "red",
        None,
        "未配置邮件服务器（DUBAN_SMTP_HOST）",
    )


def _unit_id(session, name):
    return session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == name))
