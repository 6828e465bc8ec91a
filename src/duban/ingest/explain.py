"""Why each number of a document was or was not taken as a target, line by line (`duban ingest --explain`)."""

from __future__ import annotations

import re

from duban.ingest.draft import IngestItem
from duban.ingest.service import IngestResult
from duban.plan.model import Indicator

_STATUS = {"target": "目标", "past": "不取·过去数值", "scale": "不取·项目规模", "other": "不取"}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DATE_AFTER = re.compile(r"\s*(?:年|月|日|号|时|点|:\d)")


def explain(result: IngestResult) -> list[str]:
    """One line per number in the text: where it is, what was read, and why it was or was not taken."""
    indicators = {i.id: i for i in result.plan.indicators()}
    rows = [(item.number_offset, _item_line(item, indicators)) for item in result.items]
    rows += [(start, line) for start, line in _unread_numbers(result)]
    return [line for _, line in sorted(rows, key=lambda row: row[0])]


def _item_line(item: IngestItem, indicators: dict[str, Indicator]) -> str:
    where = f"第{item.line}行 {item.number or item.quote[:20]}"
    indicator = indicators.get(item.indicator_id or "")
    if indicator is None:
        status = _STATUS.get(item.status, item.status)
        return f"{where} → {status}：{item.reason or '未成为指标'}"
    comparator = indicator.comparator.value
    flags = f"（待复核：{'；'.join(indicator.flags)}）" if indicator.flags else ""
    return (f"{where} → 目标 {indicator.id} {indicator.name} {comparator} {indicator.target}{indicator.unit}"
            f" [{indicator.scope.shorthand()}] 置信度 {indicator.confidence}{flags}")  # fmt: skip


def _unread_numbers(result: IngestResult) -> list[tuple[int, str]]:
    """Numbers no unit followed, so the reader never considered them (years, dates, numbering, bare figures)."""
    text = result.source_text
    spans = [(i.number_offset, i.number_offset + len(i.number)) for i in result.items if i.number]
    rows = []
    for match in _NUMBER.finditer(text):
        if any(a <= match.start() < b for a, b in spans):
            continue
        line = text.count("\n", 0, match.start()) + 1
        kind = "日期或年份" if _DATE_AFTER.match(text, match.end()) else "没有可识别的单位，或是编号"
        rows.append((match.start(), f"第{line}行 {match.group(0)} → 未读：{kind}"))
    return rows
