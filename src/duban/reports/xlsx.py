"""The bulletin as a workbook: the text on the first sheet, then one sheet per table.

Headers are frozen, numbers stay numbers with their formats, and every text cell is escaped against
formula injection: a value starting with = + - @ (or a tab or carriage return) gets a leading '.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from duban.plaintext import xml_safe
from duban.reports.model import Bulletin, Cell, ColumnKind, Table
from duban.reports.text import date_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {ColumnKind.COUNT: "0", ColumnKind.PERCENT: '0.0"%"', ColumnKind.POINTS: "0.0"}
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def safe_text(text: str) -> str:
    """Text that a spreadsheet will never read as a formula, without control characters."""
    text = xml_safe(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_value(value: Cell) -> str | int | float | None:
    """A cell as stored: numbers as numbers, text escaped."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return safe_text(value)
    return value


def render_xlsx(*, bulletin: Bulletin) -> bytes:
    """The bulletin as .xlsx bytes."""
    book = Workbook()
    _text_sheet(book.active, bulletin)
    for table in bulletin.tables():
        _table_sheet(book.create_sheet(_sheet_name(book, table.title)), table)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(book: Workbook, title: str) -> str:
    name, n = title.translate(BAD_SHEET_CHARS)[:28], 2
    while name in book.sheetnames:
        name, n = f"{title[:26]}{n}", n + 1
    return name


def _text_sheet(sheet: Worksheet, bulletin: Bulletin) -> None:
    sheet.title = "通报"
    lines = [
        bulletin.office,
        bulletin.doc_number,
        *bulletin.text(),
        bulletin.office,
        date_text(bulletin.issued),
    ]
    sheet.append(["内容"])
    for line in lines:
        sheet.append([safe_text(line)])
    sheet.column_dimensions["A"].width = 120
    for row in sheet.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    _header(sheet)


def _table_sheet(sheet: Worksheet, table: Table) -> None:
    sheet.append([safe_text(c.title) for c in table.columns])
    for row in table.rows:
        sheet.append([cell_value(v) for v in row])
    for n, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = max(9, 10 * column.width)
        number_format = NUMBER_FORMATS.get(column.kind)
        if number_format:
            for cells in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                cells[0].number_format = number_format
    for index in table.highlight:
        for cell in sheet[index + 2]:
            cell.font = Font(bold=True)
    _header(sheet)


def _header(sheet: Worksheet) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = "A2"
