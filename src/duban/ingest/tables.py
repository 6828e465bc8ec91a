"""Columns of plan tables: which hold targets, which hold progress (1—10月完成), which name the unit.

A progress table repeats the target with what was done so far; only the target column holds targets.
A monthly plan column (月度工作计划: '4月:完成筛查1480人') holds milestones, not the year's targets.
Figures written without a unit (5.2) take it from a 单位 column (万人).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from duban.choices import IndicatorKind
from duban.ingest.layout import Block
from duban.ingest.quantities import COUNT_UNITS, PERCENT_UNITS, find_quantities, plain_decimal
from duban.ingest.targets import OTHER, PAST, TARGET, Candidate

_PROGRESS = re.compile(r"完成|进度|进展|累计|已|占|比例|情况|实际|截至|截止")
_TARGET = re.compile(r"目标|任务|计划|指标值|年度")
_MILESTONE = re.compile(r"月度|季度|分月|本月|当月|节点")
# a cell that opens with what was done ('已完成。…') or with a month's plan ('4月:…'), whatever its column
_DONE_CELL = re.compile(r"^\s*已")
_MONTH_CELL = re.compile(r"^\s*\d{1,2}\s*(?:[—\-–~至]\s*\d{1,2}\s*)?月(?:份|底前?|末)?\s*[::]")
_UNIT = re.compile(r"^(?:计量)?单\s*位$")
_NAME = re.compile(r"指标|项目|名称|内容")
_BARE = re.compile(r"^\s*(?:不低于|不少于|不超过|约)?\s*(\d+(?:\.\d+)?)\s*$")
_UNIT_CELL = re.compile(r"^([十百千万亿]*)([\u4e00-\u9fff%]{1,4}(?:/[\u4e00-\u9fff]{1,3}){0,2})$")


@dataclass(frozen=True)
class Columns:
    """The roles of a table's columns, by index."""

    unit: int | None = None
    targets: frozenset[int] = frozenset()
    progress: frozenset[int] = frozenset()
    name: int | None = None
    milestones: frozenset[int] = frozenset()


def header_columns(cells: list[str]) -> Columns:
    """Roles from the header cells: 单位, 全年目标 / 工作目标, 1—10月完成 / 已完成数 / 完成比例."""
    plain = [re.sub(r"\s+", "", c) for c in cells]
    progress = frozenset(i for i, c in enumerate(plain) if _PROGRESS.search(c))
    milestones = frozenset(i for i, c in enumerate(plain) if _MILESTONE.search(c) and i not in progress)
    targets = frozenset(
        i for i, c in enumerate(plain) if _TARGET.search(c) and i not in progress | milestones
    )
    unit = next((i for i, c in enumerate(plain) if _UNIT.match(c)), None)
    name = next((i for i, c in enumerate(plain) if _NAME.search(c) and i not in targets | progress), None)
    return Columns(unit=unit, targets=targets, progress=progress, name=name, milestones=milestones)


def cell_spans(text: str, block: Block) -> list[tuple[int, int]]:
    """Absolute [start, end) of each cell of a row, counting the empty cells the line begins with."""
    body = text[block.start : block.end]
    if "\n" in body:  # one cell per line
        return [
            (block.start + m.start(), block.start + m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", body)
        ]
    line_start = text.rfind("\n", 0, block.start) + 1
    spans = [(line_start, line_start)] * text.count("\t", line_start, block.start)
    position = block.start
    for part in re.split(r"\t|\|", body):
        spans.append((position, position + len(part)))
        position += len(part) + 1
    return spans


def mark_progress(
    text: str, candidates: list[Candidate], spans: list[tuple[int, int]], columns: Columns
) -> None:
    """Numbers in a progress column are what was done so far, not targets; '60元' under 元/月/人 is 元/月/人."""
    has_unit = columns.unit is not None and columns.unit < len(spans)
    unit = (
        re.sub(r"\s+", "", text[slice(*spans[columns.unit])]) if has_unit and columns.unit is not None else ""
    )
    for candidate in candidates:
        at = candidate.number_start if candidate.number_start >= 0 else candidate.start
        column = _column_at(spans, at)
        if column in columns.targets and unit.startswith(candidate.unit + "/"):
            candidate.unit = unit
        if candidate.status != TARGET:
            continue
        cell = text[slice(*spans[column])] if column is not None else ""
        if column in columns.progress or _DONE_CELL.match(cell):
            candidate.status, candidate.reason = PAST, "进度列中的完成数，不是目标"
        elif column in columns.milestones or _MONTH_CELL.match(cell):
            candidate.status, candidate.reason = OTHER, "月度或季度计划（时间节点），不是全年目标"


def bare_figures(text: str, spans: list[tuple[int, int]], columns: Columns, name: str) -> list[Candidate]:
    """Figures without a unit in target or progress cells, read with the unit of the 单位 column."""
    if columns.unit is None or columns.unit >= len(spans):
        return []
    unit_text = re.sub(r"\s+", "", text[slice(*spans[columns.unit])]) or _unit_in_name(name)
    unit_match = _UNIT_CELL.match(unit_text)
    if unit_match is None:
        return []
    factor = _magnitude(unit_match.group(1))
    found = []
    for column in sorted(columns.targets | columns.progress):
        if column >= len(spans):
            continue
        start, end = spans[column]
        bare = _BARE.match(text[start:end])
        if bare is None or find_quantities(text[start:end]):
            continue
        value = plain_decimal(Decimal(bare.group(1)) * factor)
        number_start = start + bare.start(1)
        unit = unit_match.group(2)
        candidate = Candidate(value, unit, start, end, TARGET, name=name, kind=_kind(unit))
        candidate.number_start, candidate.number_end = number_start, start + bare.end(1)
        candidate.flag(f"单位取自“单位”列（{unit_text}）", 0.8)
        if column in columns.progress:
            candidate.status, candidate.reason = PAST, "进度列中的完成数，不是目标"
        found.append(candidate)
    return found


def _unit_in_name(name: str) -> str:
    """'减少大班额1.4万个以上' counts 个: the unit of a figure in the indicator's name."""
    found = find_quantities(name)
    return found[0].unit if found and not found[0].is_percent else ""


def _kind(unit: str) -> IndicatorKind:
    if unit in PERCENT_UNITS:
        return IndicatorKind.RATE
    return IndicatorKind.COUNT if unit in COUNT_UNITS else IndicatorKind.AMOUNT


def _magnitude(prefix: str) -> Decimal:
    factor = Decimal(1)
    for char in prefix:
        factor *= {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}[char]
    return factor


def _column_at(spans: list[tuple[int, int]], at: int) -> int | None:
    return next((i for i, (a, b) in enumerate(spans) if a <= at < b or (a == b == at)), None)
