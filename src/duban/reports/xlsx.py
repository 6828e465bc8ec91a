"""The bulletin as a workbook for people who compute: the text on the first sheet, then one sheet per 附件.

Each table sheet has a title row, then a frozen header row; numbers stay numbers — percentages as
fractions with a % format, 序号 and counts as integers, target and figure in the plan's unit (named in
their own column); each sheet prints landscape, fitted to the page width, with the header repeated.
Every text cell is escaped against formula injection: a value starting with = + - @ (or a tab or
carriage return) gets a leading '.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from duban.plaintext import xml_safe
from duban.reports.model import Bulletin, Cell, Column, ColumnKind, Table
from duban.reports.text import date_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {ColumnKind.COUNT: "0", ColumnKind.PERCENT: "0.0%", ColumnKind.POINTS: "0.0",
                  ColumnKind.NUMBER: "#,##0.##########"}  # fmt: skip
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
HEADER_ROW = 2  # row 1 holds the table's title


def safe_text(text: str) -> str:
    """Text that a spreadsheet will never read as a formula, without control characters."""
    text = xml_safe(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_value(value: Cell, kind: ColumnKind = ColumnKind.TEXT) -> str | int | float | None:
    """A cell as stored: numbers as numbers (a percentage as its fraction), text escaped."""
    if isinstance(value, Decimal):
        return float(value / 100) if kind is ColumnKind.PERCENT else float(value)
    if isinstance(value, int) and kind is ColumnKind.PERCENT:
        return value / 100
    if isinstance(value, str):
        return safe_text(value)
    return value


def render_xlsx(*, bulletin: Bulletin) -> bytes:
    """The bulletin as .xlsx bytes."""
    book = Workbook()
    _text_sheet(book.active, bulletin)
    for label, table in bulletin.annexes():
        _table_sheet(book.create_sheet(_sheet_name(book, table.title)), table, label)
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
    _header(sheet, 1)
    sheet.freeze_panes = "A2"
    _print_setup(sheet, landscape=False, titles="1:1")


def _table_sheet(sheet: Worksheet, table: Table, label: str) -> None:
    sheet.append([safe_text(f"{label}  {table.title}")])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(table.columns))
    sheet.append([safe_text(c.title) for c in table.columns])
    for row in table.rows:
        sheet.append([cell_value(v, c.kind) for v, c in zip(row, table.columns, strict=True)])
    for n, column in enumerate(table.columns, start=1):
        _format_column(sheet, n, column)
    for index in table.highlight:
        for cell in sheet[index + HEADER_ROW + 1]:
            cell.font = Font(bold=True)
    _header(sheet, HEADER_ROW)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(sheet, landscape=True, titles=f"{HEADER_ROW}:{HEADER_ROW}")


def _format_column(sheet: Worksheet, n: int, column: Column) -> None:
    sheet.column_dimensions[get_column_letter(n)].width = max(9, 10 * column.width)
    number_format = NUMBER_FORMATS.get(column.kind)
    if number_format:
        for cells in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=n, max_col=n):
            cells[0].number_format = number_format


def _header(sheet: Worksheet, row: int) -> None:
    for cell in sheet[row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _print_setup(sheet: Worksheet, *, landscape: bool, titles: str) -> None:
    """A4, fitted to the page width, the header row repeated on every printed page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = titles
