"""The outline of a normalised document: title, headings (areas), numbered items (tasks), paragraphs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from duban.ingest.normalize import is_caption
from duban.ingest.quantities import find_quantities

AREA_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十]+(?:部分|章|篇))")
_TASK_HEADING = re.compile(r"^\((?:[一二三四五六七八九十]+)\)")
_ITEM = re.compile(r"^[*※]?(?:\((\d{1,2})\)|(\d{1,2})(?:[、.)]|\s+|$)(?!\d))")
_ITEM_BEFORE_NUMBER = re.compile(r"^[*※]?(\d{1,2})\.(?=\d)")
_BULLET = re.compile(r"^[▶►▸•●■◆◇★☆√✓·→\-—]\s*(?=\S)")
_TABLE_HEADER_WORDS = re.compile(
    r"序号|牵头单位|责任单位|目标任务|工作任务|完成时限|指标名称|全年目标|年度目标|工作目标|考核指标|完成情况"
)
_MONTHS = re.compile(r"\d{1,2}\s*(?:[—\-–~至]\s*\d{1,2}\s*)?月")
MAX_COLUMNS = 12
_STRUCTURAL_END = re.compile(r"(?:实事|方面|工程|行动|任务|举措|措施|项目|清单)\s*$")
_SENTENCE_END = re.compile(r"[。!?;]")
_YEAR_PART = re.compile(r"20\d\d年.*(?:回顾|成绩|目标|任务|安排|展望|计划)")
PAST_HEADING = re.compile(
    r"回顾|过去一年|过去五年|上年|去年|成绩|成就|取得的|基本情况|发展基础|发展现状"
    # '“稳”的态势巩固延续', '民生福祉有了新进步': a review's headings say what was achieved; a plan's start with a verb
    r"|^(?!推动|坚持|加快|着力|聚焦|全力|持续|大力|深化|扎实|突出|强化|促进|提升|实施|推进|打造|建设|围绕|确保|力争"
    r"|奋力|努力|全面|不断|进一步)[^,。;]{0,20}(?:巩固延续|坚实有力|稳步扩大|总体平稳|扎实稳固|迈上新台阶|取得新进展"
    r"|取得新成效|迈出新步伐|有了新进步|展现新面貌|结出新硕果)$"
)


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
        if "\n" in self.text:  # a table printed one cell per line
            return [c.strip() for c in self.text.split("\n") if c.strip()]
        return [c.strip() for c in re.split(r"\t|\|", self.text.strip().strip("|"))]


def document_blocks(text: str) -> list[Block]:
    """Classify every non-empty line of the normalised text; a table printed one cell per line is
    gathered into its header and rows."""
    lines = _filled_lines(text)
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        width = _vertical_header(lines, index)
        if width:
            table = _vertical_table(text, lines, index, width)
            blocks += table
            index += sum(b.text.count("\n") + 1 for b in table)
            continue
        start, stripped = lines[index]
        blocks.append(classify_line(stripped, start, blocks[-1] if blocks else None))
        index += 1
    return blocks


def _filled_lines(text: str) -> list[tuple[int, str]]:
    found, position = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            found.append((position + len(line) - len(line.lstrip()), stripped))
        position += len(line) + 1
    return found


def _vertical_header(lines: list[tuple[int, str]], index: int) -> int:
    """The number of columns when a table header starts here with one cell per line (序号 / 项目 / 全年目标 /
    1—10月完成), else 0."""
    cells = []
    for _, line in lines[index : index + MAX_COLUMNS]:
        if len(line) > 12 or re.search(r"[,。;:、]", line) or re.search(r"\d", _MONTHS.sub("", line)):
            break
        cells.append(line)
    joined = " ".join(cells)
    if len(cells) < 3 or not re.search(r"目标|任务", joined) or not re.search(r"完成|进度|进展", joined):
        return 0
    return len(cells)


def _vertical_table(text: str, lines: list[tuple[int, str]], index: int, width: int) -> list[Block]:
    """The header block and the rows that follow it, each row `width` lines long, as long as rows look like cells."""
    header = _spanning(text, lines[index : index + width], "table_header")
    blocks = [header]
    serial = header.cells[0] == "序号"
    at = index + width
    while at + width <= len(lines):
        row = lines[at : at + width]
        if any(len(line) > 80 or AREA_HEADING.match(line) for _, line in row):
            break
        if serial and not row[0][1].isdigit():
            break
        blocks.append(_spanning(text, row, "row", number=row[0][1] if serial else None))
        at += width
    return blocks


def _spanning(text: str, cells: list[tuple[int, str]], kind: str, number: str | None = None) -> Block:
    start, (last_start, last) = cells[0][0], cells[-1]
    end = last_start + len(last)
    return Block(kind, start, end, text[start:end], number)


def classify_line(line: str, start: int, previous: Block | None) -> Block:
    """The kind of one stripped line, given the block before it."""
    end = start + len(line)
    if is_caption(line):
        return Block("noise", start, end, line)
    if "\t" in line or line.startswith("|") or line.count("|") >= 2:
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
    follows = _ITEM_BEFORE_NUMBER.match(line)
    if follows and previous and previous.number == str(int(follows.group(1)) - 1):
        # '4.30%以上的社区…' after item 3: the item number 4, then 30%, not 4.30%
        return Block("item", start + follows.end(), end, line[follows.end() :], follows.group(1))
    item = _ITEM.match(line)
    if item:
        return Block("item", start, end, line, item.group(1) or item.group(2))
    if _BULLET.match(line):
        return Block("area" if _bulleted_heading(line) else "item", start, end, line)
    if is_heading_text(line) and not _reads_as_target(line) and not _continues_list(line, previous):
        return Block("area", start, end, line)
    return Block("paragraph", start, end, line)


def _continues_list(line: str, previous: Block | None) -> bool:
    """A short line after a list item is the list's next item, unless the items were bulleted (●…) and the line
    is not, and has no figure: then it heads what follows ('“稳”的态势巩固延续' after the ● goals)."""
    if previous is None or previous.kind != "item":
        return False
    return not _BULLET.match(previous.text) or bool(find_quantities(line))


def _bulleted_heading(line: str) -> bool:
    """'■ 2024年成绩单', '■ 2025年主要预期目标': a bullet before a heading that names a year and a part of
    the report is a section heading; '●增速保持领先' stays an item."""
    text = _BULLET.sub("", line)
    return is_heading_text(text) and bool(_YEAR_PART.search(text)) and not find_quantities(text)


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
