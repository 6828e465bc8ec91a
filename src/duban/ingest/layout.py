"""The outline of a normalised document: title, headings (areas), numbered items (tasks), paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from duban.ingest.normalize import is_caption
from duban.ingest.quantities import find_quantities

AREA_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+(?:部分|章|篇))")
_TASK_HEADING = re.compile(r"^\((?:[一二三四五六七八九十]+)\)")
_ITEM = re.compile(r"^(?:\((\d{1,2})\)|(\d{1,2})(?:[、.)]|\s+|$)(?!\d))")
_BULLET = re.compile(r"^[▶►▸•●■◆◇★☆√✓·→\-—]\s*(?=\S)")
_TABLE_HEADER_WORDS = re.compile(
    r"序号|牵头单位|责任单位|目标任务|工作任务|完成时限|指标名称|全年目标|年度目标|工作目标|考核指标|完成情况"
)
_MONTHS = re.compile(r"\d{1,2}\s*(?:[—\-–~至]\s*\d{1,2}\s*)?月")
_STRUCTURAL_END = re.compile(r"(?:实事|方面|工程|行动|任务|举措|措施|项目|清单)\s*$")
_SENTENCE_END = re.compile(r"[。!?;]")
PAST_HEADING = re.compile(r"回顾|过去一年|过去五年|上年|去年|成绩|成就|取得的")


@dataclass(frozen=True)
class Block:
    """One line of the normalised text and what it is."""

    kind: str  # title, area, task, item, paragraph, table_header, row, noise
    start: int
    end: int
    text: str
    number: str | None = None

    @property
    def cells(self) -> list[str]:
        return [c.strip() for c in re.split(r"\t|\|", self.text.strip().strip("|"))]


def document_blocks(text: str) -> list[Block]:
    """Classify every non-empty line of the normalised text."""
    blocks: list[Block] = []
    position = 0
    for line in text.split("\n"):
        start = position + len(line) - len(line.lstrip())
        stripped = line.strip()
        position += len(line) + 1
        if stripped:
            previous = blocks[-1] if blocks else None
            blocks.append(classify_line(stripped, start, previous))
    return blocks


def classify_line(line: str, start: int, previous: Block | None) -> Block:
    """The kind of one stripped line, given the block before it."""
    end = start + len(line)
    if is_caption(line):
        return Block("noise", start, end, line)
    if "\t" in line or line.startswith("|"):
        kind = "table_header" if _is_table_header(line) else "row"
        return Block(kind, start, end, line, _row_number(line))
    if previous is None and len(line) <= 60 and not line.endswith("。"):
        return Block("title", start, end, line)
    return _classify_prose(line, start, end, previous)


def _classify_prose(line: str, start: int, end: int, previous: Block | None) -> Block:
    if AREA_HEADING.match(line) and _short_heading(line):
        return Block("area", start, end, line)
    if _TASK_HEADING.match(line):
        return Block("task", start, end, line)
    item = _ITEM.match(line)
    if item:
        return Block("item", start, end, line, item.group(1) or item.group(2))
    if _BULLET.match(line):
        return Block("item", start, end, line)
    if is_heading_text(line) and not (previous and previous.kind == "item") and not _reads_as_target(line):
        return Block("area", start, end, line)
    return Block("paragraph", start, end, line)


def _reads_as_target(line: str) -> bool:
    """'粮食产量1.4万亿斤左右' on a line of its own is a target, '2026 10件惠民实事' a heading."""
    return bool(find_quantities(line)) and not _STRUCTURAL_END.search(line)


def _short_heading(line: str) -> bool:
    first = _SENTENCE_END.split(line, maxsplit=1)[0]
    return len(first) <= 40


def is_heading_text(line: str) -> bool:
    """A short line without sentence punctuation: a section heading."""
    return len(line) <= 40 and not any(p in line for p in ",。;!?、:")


def _is_table_header(line: str) -> bool:
    without_months = _MONTHS.sub("", line)  # 1—10月完成 names a column, it is not a figure
    return bool(_TABLE_HEADER_WORDS.search(line)) and not re.search(r"\d", without_months)


def _row_number(line: str) -> str | None:
    first = re.split(r"\t|\|", line.strip().strip("|"))[0].strip()
    return first if first.isdigit() else None


def heading_title(block: Block) -> str:
    """The heading or item text without its numbering, cut at the first sentence end."""
    text = _BULLET.sub("", _ITEM.sub("", _TASK_HEADING.sub("", AREA_HEADING.sub("", block.text)))).strip()
    return _SENTENCE_END.split(text, maxsplit=1)[0].strip() or block.text.strip()
