"""The bulletin as a Word document laid out the way government documents are (GB/T 9704 in spirit).

A4; body in 仿宋_GB2312, headings in 黑体, the title in 方正小标宋简体, each set as the run's east-asian
font (w:eastAsia) so Word and WPS both pick them up; page numbers "— 1 —" in the footer; table header
rows repeat on every page and rows never split across pages.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Length, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from duban.plaintext import xml_safe
from duban.reports.model import Bulletin, Chart, ColumnKind, Section, Table
from duban.reports.pdf import cell_text
from duban.reports.text import date_text

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_PT = 16


def render_docx(*, bulletin: Bulletin) -> bytes:
    """The bulletin as .docx bytes."""
    document = Document()
    _page_setup(document)
    _front(document, bulletin)
    for section in bulletin.sections:
        _section(document, section)
    _sign_off(document, bulletin)
    for label, table in bulletin.annexes():
        _annex(document, label, table)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def set_font(run: Run, name: str, size: float, *, bold: bool = False) -> None:
    """Latin and east-asian font of a run, so CJK text really uses `name`."""
    run.font.name = LATIN_FONT if name == BODY_FONT else name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def _page_setup(document: DocxDocument) -> None:
    page = document.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.top_margin, page.bottom_margin, page.left_margin, page.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = LATIN_FONT, Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    _page_number(page.footer.paragraphs[0])


def _page_number(paragraph: Paragraph) -> None:
    """— PAGE — centred, as a field Word and WPS update themselves."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(paragraph.add_run("— "), "宋体", 14)
    run = paragraph.add_run()
    set_font(run, "宋体", 14)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run._element.append(_field_part(kind, text))
    set_font(paragraph.add_run(" —"), "宋体", 14)


def _field_part(kind: str | None, text: str | None) -> BaseOxmlElement:
    if kind:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element
    element = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    return element


def _front(document: DocxDocument, bulletin: Bulletin) -> None:
    masthead = _line(document, bulletin.office, TITLE_FONT, 36, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    masthead.runs[0].font.color.rgb = RED
    number = _line(document, bulletin.doc_number, BODY_FONT, BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _red_rule(number)
    title = _line(document, bulletin.title, TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER)
    title.paragraph_format.space_before, title.paragraph_format.space_after = Pt(24), Pt(18)
    _line(document, bulletin.addressee, BODY_FONT, BODY_PT)
    _body(document, bulletin.opening)


def _red_rule(paragraph: Paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "18"), ("space", "6"), ("color", "C00000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _line(
    document: DocxDocument,
    text: str,
    font: str,
    size: float,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    bold: bool = False,
) -> Paragraph:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    _spacing(paragraph, size)
    set_font(paragraph.add_run(xml_safe(text)), font, size, bold=bold)
    return paragraph


def _spacing(paragraph: Paragraph, size: float) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(max(28, size * 1.4))
    fmt.space_before = fmt.space_after = Pt(0)


def _body(document: DocxDocument, text: str) -> Paragraph:
    paragraph = _line(document, text, BODY_FONT, BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    return paragraph


def _heading(document: DocxDocument, text: str) -> None:
    paragraph = _line(document, text, HEADING_FONT, BODY_PT)
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    paragraph.paragraph_format.keep_with_next = True


def _section(document: DocxDocument, section: Section) -> None:
    _heading(document, section.heading)
    for text in section.paragraphs:
        _body(document, text)
    for chart in section.charts:
        _chart(document, chart)


def _annex(document: DocxDocument, label: str, table: Table) -> None:
    paragraph = _line(document, label, HEADING_FONT, BODY_PT)
    paragraph.paragraph_format.page_break_before = True
    _table(document, table)


def _chart(document: DocxDocument, chart: Chart) -> None:
    from duban.reports.raster import png

    image = png(chart)
    if image is None:
        return
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run().add_picture(BytesIO(image), width=Mm(150))


def _table(document: DocxDocument, table: Table) -> None:
    caption = _line(document, table.title, HEADING_FONT, 12, align=WD_ALIGN_PARAGRAPH.CENTER)
    caption.paragraph_format.keep_with_next = True
    grid = document.add_table(rows=1 + max(len(table.rows), 1), cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [_row_cells(grid, row) for row in grid.rows]
    widths = _widths(grid, table)
    for cell, column, width in zip(rows[0], table.columns, widths, strict=True):
        _fill(cell, column.title, HEADING_FONT, width, centred=True)
    for index, (cells, values) in enumerate(zip(rows[1:], table.rows, strict=False)):
        for cell, column, width, value in zip(cells, table.columns, widths, values, strict=True):
            _fill(cell, cell_text(value, column.kind), BODY_FONT, width,
                  centred=column.kind != ColumnKind.TEXT, bold=index in table.highlight)  # fmt: skip
    if not table.rows:
        set_font(rows[1][0].merge(rows[1][-1]).paragraphs[0].add_run("无"), BODY_FONT, 10.5)
    _keep_rows(grid)
    document.add_paragraph()


def _row_cells(grid: DocxTable, row: _Row) -> list[_Cell]:
    """The row's cells straight from its XML (python-docx's own lookup walks the whole table each time)."""
    return [_Cell(tc, grid) for tc in row._tr.tc_lst]


def _fill(cell: _Cell, text: str, font: str, width: Length, *, centred: bool, bold: bool = False) -> None:
    cell.width = width
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
    set_font(paragraph.add_run(xml_safe(text)), font, 10.5, bold=bold)


def _keep_rows(grid: DocxTable) -> None:
    """Repeat the header row on each page; never split a row across pages."""
    for index, row in enumerate(grid.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if index == 0:
            properties.append(OxmlElement("w:tblHeader"))


def _widths(grid: DocxTable, table: Table) -> list[Length]:
    """Column widths over the 156 mm type area, also written to the grid for WPS."""
    total = sum(c.width for c in table.columns)
    widths: list[Length] = [Mm(156 * c.width / total) for c in table.columns]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    return widths


def _sign_off(document: DocxDocument, bulletin: Bulletin) -> None:
    document.add_paragraph()
    for text in (bulletin.office, date_text(bulletin.issued)):
        paragraph = _line(document, text, BODY_FONT, BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 2)
