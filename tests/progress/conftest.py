"""Builders shared by the progress tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from duban.plan.model import Indicator

UNITS = {"count": "个", "amount": "元", "rate": "%", "share": "%", "growth": "%", "milestone": "家"}


def make_indicator(kind: str, comparator: str, target: str | int = 100, **extra: Any) -> Indicator:
    """An indicator of `kind` with the right unit; `extra` sets profile, due, aspiration, ..."""
    return Indicator(
        id=extra.pop("id", "X-1"),
        name="测试指标",
        unit=UNITS[kind],
        kind=kind,
        comparator=comparator,
        target=Decimal(target),
        **extra,
    )


def d(text: str) -> date:
    return date.fromisoformat(text)
