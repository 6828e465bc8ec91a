"""What a request for a bulletin says — its month, formats, number and date — read from the user's text.

Apart from `duban.reports.service`, which reads the store: `duban report` reads its options before it forks the
PDF's process, and the fork comes before the store's and the services' imports (so the child does not copy them).
"""

from __future__ import annotations

from datetime import date

from duban.months import month_of_key

FORMATS = ("docx", "pdf", "xlsx")
AUTO = "auto"
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportError(ValueError):
    """A request for a bulletin that cannot be met; the message is for the user."""


def parse_period(text: str) -> tuple[int, int]:
    """'2026-06' → (2026, 6)."""
    named = month_of_key(text)
    if named is None:
        raise ReportError(f"通报期间“{text}”格式不对，应为 年-月，例如 2026-06")
    return named


def parse_date(text: str) -> date:
    """'2026-11-30' → the date, or an error the user can act on."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ReportError(f"成文日期“{text}”格式不对，应为 年-月-日，例如 2026-11-30") from exc


def parse_formats(text: str) -> list[str]:
    """'docx,pdf' → ['docx', 'pdf'], refusing unknown formats."""
    wanted = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise ReportError(f"不支持的格式“{','.join(unknown) or text}”，可选：{','.join(FORMATS)}")
    return list(dict.fromkeys(wanted))


def parse_number(text: str | None) -> int | str | None:
    """'12' → 12, 'auto' → the year's next number (taken when the bulletin is built), '' → none."""
    if text is None or not text.strip():
        return None
    text = text.strip().lower()
    if text in ("auto", "next", "自动"):
        return AUTO
    if not text.isdecimal() or int(text) < 1:
        raise ReportError(f"文号序号“{text}”应为正整数，或 auto（取本年下一个号）")
    return int(text)
