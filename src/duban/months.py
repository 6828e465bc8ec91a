"""Months of a plan year as people write them, their last days, and the newest month whose figures are due (pure)."""

from __future__ import annotations

import calendar
import re
from datetime import date

_MONTH = re.compile(r"\s*(?:(\d{4})\s*[-年/.]\s*)?(\d{1,2})\s*月?\s*")  # 2026-07, 2026年7月, 7月, 7
_KEY = re.compile(r"\s*(\d{4})-(\d{1,2})\s*")  # a period's key in URLs and on the command line: 2026-07


def month_end(year: int, month: int) -> date:
    """The last day of `month` of `year`."""
    return date(year, month, calendar.monthrange(year, month)[1])


def last_due_month(*, today: date, year: int, cutoff_day: int) -> int:
    """The newest month whose figures should be in by `today` (its cut-off has passed or is today)."""
    if today.year != year:
        return 12 if today.year > year else 0
    return today.month if today.day >= cutoff_day else today.month - 1


def named_month(text: str) -> tuple[int | None, int] | None:
    """The (year, month) "2026-07", "2026年7月" or "7" names (year None when not written); None if no month."""
    match = _MONTH.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return (int(match.group(1)) if match.group(1) else None), int(match.group(2))


def month_of_key(text: str) -> tuple[int, int] | None:
    """The (year, month) of a period key such as "2026-06"; None when `text` is not one."""
    match = _KEY.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return int(match.group(1)), int(match.group(2))


def month_in_year(text: str, year: int, *, example: str = "06") -> int:
    """The month "2026-07", "2026年7月" or "7" names, within the plan's `year`; ValueError says why not."""
    named = named_month(text)
    if named is None:
        raise ValueError(f"无法识别的月份“{text}”，请写成 {year}-{example} 或 {int(example)}")
    if named[0] is not None and named[0] != year:
        raise ValueError(f"月份“{text}”不在计划年度 {year} 年内")
    return named[1]


def period_month(*, period: str | None, year: int, today: date, cutoff_day: int) -> int:
    """The month `period` names ("2026-06", "2026年6月" or "6"), or the last month whose figures are due."""
    if period is None:
        month = last_due_month(today=today, year=year, cutoff_day=cutoff_day)
        if month < 1:
            raise ValueError(f"{year}年尚无已过截止日的报送期，请用 --period 指定月份")
        return month
    return month_in_year(period, year)
