"""Reminder e-mails: composing them and sending a batch over one SMTP connection."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from duban.choices import Colour


@dataclass(frozen=True)
class MailServer:
    """Where and how to send e-mail."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: int = 15


@dataclass(frozen=True)
class ReminderMail:
    """What a reminder says about one item."""

    recipients: list[str]
    unit: str
    title: str
    ask: str
    colour: Colour | None
    deadline: date
    link: str


def reminder_message(*, mail: ReminderMail, sender: str, today: date) -> EmailMessage:
    """The e-mail for one reminder, in Chinese."""
    colour = f"【{mail.colour.label}督办】" if mail.colour else "【督办】"
    days = (mail.deadline - today).days
    when = f"距反馈期限还有{days}天" if days >= 0 else f"已超过反馈期限{-days}天"
    message = EmailMessage()
    message["Subject"] = f"{colour}{mail.title}"
    message["From"], message["To"] = sender, ", ".join(mail.recipients)
    message.set_content(
        f"{mail.unit}：\n\n{mail.ask}\n\n反馈期限：{mail.deadline.isoformat()}（{when}）。\n"
        f"请登录督办系统签收并反馈：{mail.link}\n\n（本邮件由督办系统自动发送，同一督办事项每天最多提醒一次。）\n"
    )
    return message


def send_all(*, server: MailServer, messages: list[EmailMessage]) -> list[str | None]:
    """Send every message over one connection; per message, None when sent or the error text."""
    if not messages:
        return []
    try:
        with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
            _start(smtp, server)
            return [_send_one(smtp, message) for message in messages]
    except (OSError, smtplib.SMTPException) as exc:
        return [f"无法连接邮件服务器 {server.host}:{server.port}：{exc}"] * len(messages)


def _start(smtp: smtplib.SMTP, server: MailServer) -> None:
    if server.starttls:
        smtp.starttls()
    if server.username:
        smtp.login(server.username, server.password or "")


def _send_one(smtp: smtplib.SMTP, message: EmailMessage) -> str | None:
    try:
        smtp.send_message(message)
    except smtplib.SMTPException as exc:
        return f"发送失败：{exc}"
    return None
