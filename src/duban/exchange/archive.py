"""A look inside an uploaded .xlsx or .docx before openpyxl or python-docx opens it.

An .xlsx or .docx is a zip archive. A small file can unpack to gigabytes (a zip bomb), so the sizes
the archive declares are checked first; Python's zipfile then never inflates a member past its
declared size (a member that lies about it fails its CRC check and the file is refused as damaged).

A small workbook can also name a far-away cell (one value at Z1048576): openpyxl then treats the
sheet as a million rows, and anything that walks rows up to `max_row` runs for minutes. So each
worksheet's XML is streamed once, with hard limits on rows, columns, cells and time, before any
spreadsheet library sees it.
"""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import IO

from lxml import etree

MB = 1024 * 1024
MAX_WORKBOOK_BYTES = 20 * MB
MAX_RATIO = 100  # sheet XML compresses 5–20 times; far more means padding made to unpack
RATIO_FLOOR = MB  # tiny members may compress any amount
MAX_MEMBERS = 2000
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_CLOCK_EVERY = 2048  # elements between two looks at the clock


@dataclass(frozen=True)
class Limits:
    """The most an uploaded archive may hold: unpacked bytes, and rows, columns, cells and seconds per workbook."""

    unpacked: int
    markup: int  # of that, bytes of XML, which parsers hold as trees many times their size
    rows: int
    columns: int
    cells: int
    seconds: float


# A template has one row per indicator of one unit (tens) and columns A–O; room is left for notes.
TEMPLATE_LIMITS = Limits(unpacked=20 * MB, markup=20 * MB, rows=2000, columns=64, cells=60_000, seconds=3)
# A project ledger: thousands of projects, a few dozen columns (12 months, milestones planned/actual).
LEDGER_LIMITS = Limits(
    unpacked=100 * MB, markup=100 * MB, rows=20_000, columns=120, cells=600_000, seconds=20
)
# A Word plan document: photos may be large, but python-docx holds all its XML as one tree in memory
# (a 1 MB file of 100 MB XML took 2.2 GB); a long work report has a few MB of XML.
DOCUMENT_LIMITS = Limits(unpacked=100 * MB, markup=16 * MB, rows=0, columns=0, cells=0, seconds=0)


class _TooSlow(Exception):
    """Reading the worksheets took longer than the limit allows."""


def workbook_fault(
    content: bytes, *, limits: Limits = LEDGER_LIMITS, max_bytes: int = MAX_WORKBOOK_BYTES
) -> str | None:
    """Why this upload must not be opened as a workbook, in Chinese; None when it may be."""
    if len(content) > max_bytes:
        return f"文件大小 {_mb(len(content))} 超过上限 {_mb(max_bytes)}"
    if not zipfile.is_zipfile(BytesIO(content)):
        hint = "（旧版 .xls 请用 WPS 或 Excel 另存为 .xlsx）" if content[:4] == b"\xd0\xcf\x11\xe0" else ""
        return f"文件不是 Excel 工作簿（.xlsx）{hint}"
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            return archive_fault(archive, limits=limits, what="工作簿") or _sheets_fault(archive, limits)
    except _TooSlow:
        return f"工作簿内容过多，{limits.seconds:g} 秒内未能读完，疑似恶意文件，已拒绝"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "文件已损坏，无法作为 Excel 工作簿读取"


def archive_fault(archive: zipfile.ZipFile, *, limits: Limits, what: str) -> str | None:
    """Why the archive's declared sizes make it unsafe to unpack (a zip bomb); None when they do not."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        return f"{what}内部文件过多（{len(members)} 个），疑似恶意文件，已拒绝"
    total = sum(m.file_size for m in members)
    if total > limits.unpacked:
        return f"{what}解压后达 {_mb(total)}，超过 {_mb(limits.unpacked)}，疑似压缩炸弹，已拒绝"
    markup = sum(m.file_size for m in members if m.filename.endswith((".xml", ".rels")))
    if markup > limits.markup:
        return f"{what}的正文解压后达 {_mb(markup)}，超过 {_mb(limits.markup)}，疑似压缩炸弹，已拒绝"
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            return f"{what}中的“{member.filename}”压缩比异常（解压后 {_mb(member.file_size)}），疑似压缩炸弹，已拒绝"
    return None


def _sheets_fault(archive: zipfile.ZipFile, limits: Limits) -> str | None:
    """The first cell of any worksheet past the limits, as a Chinese refusal naming it."""
    deadline = time.monotonic() + limits.seconds
    cells = 0
    for name in (n for n in archive.namelist() if _WORKSHEET.match(n)):
        with archive.open(name) as xml:
            for row, column in _cell_positions(xml, deadline):
                cells += 1
                fault = _position_fault(row, column, cells, limits)
                if fault:
                    return fault
    return None


def _position_fault(row: int, column: int, cells: int, limits: Limits) -> str | None:
    where = f"单元格 {column_letters(column)}{row}"
    advice = "疑似误操作或恶意文件，已拒绝；请删除多余内容，或重新下载模板填写"
    if row > limits.rows:
        return f"{where}超出允许的范围（最多 {limits.rows} 行），{advice}"
    if column > limits.columns:
        return f"{where}超出允许的范围（最多 {column_letters(limits.columns)} 列），{advice}"
    if cells > limits.cells:
        return f"工作簿单元格超过 {limits.cells} 个（到{where}），{advice}"
    return None


def _cell_positions(xml: IO[bytes], deadline: float) -> Iterator[tuple[int, int]]:
    """(row, column) of every cell of a worksheet, streamed; _TooSlow past the deadline."""
    row = column = seen = 0
    parser = etree.iterparse(xml, events=("start",), tag=(f"{_MAIN}row", f"{_MAIN}c"), resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False)  # fmt: skip
    try:
        for _, element in parser:
            seen += 1
            if seen % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
                raise _TooSlow
            if element.tag == f"{_MAIN}row":  # a row without cells adds none, so only cells are judged
                row, column = _number(element.get("r"), row + 1), 0
            else:
                row, column = _reference(element.get("r"), row, column + 1)
                yield row, column
            _forget_earlier(element)
    except etree.XMLSyntaxError as exc:
        raise ValueError(str(exc)) from None


def _forget_earlier(element: etree._Element) -> None:
    """Drop already-read siblings, so a sheet of any size is read in constant memory."""
    while element.getprevious() is not None:
        parent = element.getparent()
        if parent is None:
            return
        del parent[0]


def _number(text: str | None, default: int) -> int:
    return int(text) if text and text.isdecimal() and len(text) < 12 else default


def _reference(text: str | None, row: int, column: int) -> tuple[int, int]:
    match = _CELL_REF.match(text or "")
    if not match:
        return row, column
    return int(match[2]), column_number(match[1])


def column_number(letters: str) -> int:
    """'A' → 1, 'Z' → 26, 'AA' → 27."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def column_letters(number: int) -> str:
    """1 → 'A', 27 → 'AA'."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
