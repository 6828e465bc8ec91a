"""The bulletin as a Word document in the form of GB/T 9704-2012.

A4, margins 37/35/28/26 mm and a 22 lines × 28 characters grid; body 3号 仿宋_GB2312, first-level
headings 黑体 and second-level 楷体_GB2312 as real Heading styles with outline levels, the title 2号
方正小标宋简体 broken by hand; every font set as the run's east-asian font (w:eastAsia) so Word and WPS
both pick it up; language zh-CN. Page numbers "— n —" in 4号, odd pages right and even pages left;
the signature kept with the last text; detail tables as 附件 after it; the 版记 (抄送, 印发) last.
"""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section as DocxSection
from docx.shared import Length, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.table import _Cell, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from duban.plaintext import xml_safe
from duban.reports.model import Bulletin, Chart, ColumnKind, Section, Table
from duban.reports.pdf import SUBHEADING, cell_text
from duban.reports.raster import png
from duban.reports.text import date_text

BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
TITLE_FONT = "方正小标宋简体"
NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xC0, 0x00, 0x00)
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
FOOTER_PT = 14  # 4号
LINE_PITCH = 579  # twips: 22 lines in the 225 mm type area
CONDENSED = -4  # twips per character: 16 pt type on a 15.8 pt advance sets 28 characters in the 156 mm line
TYPE_WIDTH_MM = 156
CELL_LINE_PT = 14  # table text: 五号 on an exact 14 pt line, as the PDF sets it
CELL_PT = 10.5  # 五号
CELL_STYLE, CELL_HEADING_STYLE = "TableText", "TableHeading"
ANNEX_NOTE_INDENT = 5  # characters: 左空二字, then 附件：
COLOPHON_MARGIN = 280  # twips: 空一字 in 4号
COLOPHON_LABEL_CHARS = 3  # 抄送： — a wrapped line starts under the first name


def render_docx(*, bulletin: Bulletin) -> bytes:
    """The bulletin as .docx bytes."""
    document = Document()
    _styles(document)
    _page_setup(document.sections[0])
    document.settings.odd_and_even_pages_header_footer = True
    _front(document, bulletin)
    for section in bulletin.sections:
        _section(document, section)
    _sign_off(document, bulletin)
    for label, table in bulletin.annexes():
        _annex(document, label, table)
    if bulletin.copy_to:
        _colophon(document, bulletin)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def set_font(run: Run, name: str, size: float, *, bold: bool = False) -> None:
    """Latin and east-asian font of a run, so CJK text really uses `name`."""
    run.font.name = LATIN_FONT if name in (BODY_FONT, SUBHEADING_FONT) else name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


# ── styles and page ─────────────────────────────────────────────────────────


def _styles(document: DocxDocument) -> None:
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = LATIN_FONT, Pt(BODY_PT)
    _style_fonts(normal, BODY_FONT)
    condensed = OxmlElement("w:spacing")
    condensed.set(qn("w:val"), str(CONDENSED))
    normal.element.get_or_add_rPr().append(condensed)
    _language(document)
    for name, font, level in (("Heading 1", HEADING_FONT, 0), ("Heading 2", SUBHEADING_FONT, 1)):
        style = document.styles[name]
        assert isinstance(style, ParagraphStyle)
        style.font.name, style.font.size, style.font.bold = LATIN_FONT, Pt(BODY_PT), False
        style.font.italic, style.font.color.rgb = False, RGBColor(0, 0, 0)
        _style_fonts(style, font)
        fmt = style.paragraph_format
        fmt.first_line_indent, fmt.keep_with_next = Pt(BODY_PT * 2), True
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, _pitch()
        _outline_level(style, level)
    for style_id, font in ((CELL_STYLE, BODY_FONT), (CELL_HEADING_STYLE, HEADING_FONT)):
        _cell_style(document, style_id, font)


def _cell_style(document: DocxDocument, style_id: str, font: str) -> None:
    """Table text: 五号 on an exact line, no indent, off the line grid; one style instead of 600 run formats."""
    style = document.styles.add_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
    assert isinstance(style, ParagraphStyle)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(CELL_PT)
    _style_fonts(style, font, latin=LATIN_FONT if font == BODY_FONT else font)
    fmt = style.paragraph_format
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(CELL_LINE_PT)
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    style.element.get_or_add_pPr().insert(0, snap)


def _style_fonts(style: ParagraphStyle, east_asian: str, *, latin: str = LATIN_FONT) -> None:
    """The style's fonts with the theme fonts of the default template taken out, so ours apply."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _outline_level(style: ParagraphStyle, level: int) -> None:
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:outlineLvl")):
        ppr.remove(old)
    element = OxmlElement("w:outlineLvl")
    element.set(qn("w:val"), str(level))
    ppr.append(element)


def _language(document: DocxDocument) -> None:
    """zh-CN for east-asian text in the defaults, Normal, and the settings' theme language."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    targets = [document.styles["Normal"].element.get_or_add_rPr()]
    if defaults is not None:
        rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
        if rpr is not None:
            targets.append(rpr)
    for rpr in targets:
        for old in rpr.findall(qn("w:lang")):
            rpr.remove(old)
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "en-US")  # Latin runs: as zh-CN, LibreOffice breaks lines inside numbers
        lang.set(qn("w:eastAsia"), "zh-CN")
        rpr.append(lang)
    document.core_properties.language = "zh-CN"
    settings = document.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is None:
        theme = OxmlElement("w:themeFontLang")
        settings.append(theme)
    theme.set(qn("w:eastAsia"), "zh-CN")


def _page_setup(page: DocxSection) -> None:
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.top_margin, page.bottom_margin, page.left_margin, page.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    page.footer_distance = Mm(21)
    _grid(page)
    _page_number(page.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(page.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _grid(page: DocxSection) -> None:
    """The line grid of 22 lines; 28 characters a line come from the body's condensed spacing.

    A character grid (linesAndChars) would do it in Word, but LibreOffice then gives every 3号
    character two grid cells and the page holds half its text; condensing suits both.
    """
    sect = page._sectPr
    for old in sect.findall(qn("w:docGrid")):
        sect.remove(old)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    sect.append(grid)


def _pitch() -> Length:
    return Pt(LINE_PITCH / 20)


def _page_number(paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """— PAGE — one character in from the outer edge, as a field Word and WPS update themselves."""
    paragraph.alignment = align
    indent = Pt(FOOTER_PT)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = indent
    else:
        paragraph.paragraph_format.left_indent = indent
    set_font(paragraph.add_run("— "), NUMBER_FONT, FOOTER_PT)
    run = paragraph.add_run()
    set_font(run, NUMBER_FONT, FOOTER_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run._element.append(_field_part(kind, text))
    set_font(paragraph.add_run(" —"), NUMBER_FONT, FOOTER_PT)


def _field_part(kind: str | None, text: str | None) -> BaseOxmlElement:
    if kind:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element
    element = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
    element.set(qn("xml:space"), "preserve")
    element.text = text
    return element


# ── front, body, signature ──────────────────────────────────────────────────


def _front(document: DocxDocument, bulletin: Bulletin) -> None:
    masthead = _line(document, bulletin.office, TITLE_FONT, 36, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True)
    masthead.runs[0].font.color.rgb = RED
    number = _line(document, bulletin.doc_number, BODY_FONT, BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    _rule(number, "bottom", "C00000", 18)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(title, TITLE_PT)
    title.paragraph_format.space_before, title.paragraph_format.space_after = Pt(24), Pt(18)
    for paragraph in (masthead, number, title):
        _no_grid(paragraph)
    for index, text in enumerate(bulletin.title_lines or [bulletin.title]):
        run = title.add_run(xml_safe(text))
        set_font(run, TITLE_FONT, TITLE_PT)
        if index < len(bulletin.title_lines) - 1:
            run.add_break(WD_BREAK.LINE)
    _line(document, bulletin.addressee, BODY_FONT, BODY_PT)
    _body(document, bulletin.opening)


def _rule(paragraph: Paragraph, side: str, colour: str, size: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        ppr.append(borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", colour)):
        edge.set(qn(f"w:{key}"), value)
    borders.append(edge)


def _line(
    document: DocxDocument, text: str, font: str, size: float, *,
    align: WD_ALIGN_PARAGRAPH | None = None, bold: bool = False,
) -> Paragraph:  # fmt: skip
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    _spacing(paragraph, size)
    set_font(paragraph.add_run(xml_safe(text)), font, size, bold=bold)
    return paragraph


def _spacing(paragraph: Paragraph, size: float) -> None:
    fmt = paragraph.paragraph_format
    pitch = LINE_PITCH / 20
    fmt.line_spacing_rule, fmt.line_spacing = (
        WD_LINE_SPACING.EXACTLY,
        Pt(pitch * max(1, round(size * 1.4 / pitch))),
    )
    fmt.space_before = fmt.space_after = Pt(0)


def _body(document: DocxDocument, text: str) -> Paragraph:
    paragraph = _line(document, text, BODY_FONT, BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    paragraph.paragraph_format.first_line_indent = Pt(BODY_PT * 2)
    return paragraph


def _section(document: DocxDocument, section: Section) -> None:
    heading = document.add_paragraph(style="Heading 1")
    set_font(heading.add_run(xml_safe(section.heading)), HEADING_FONT, BODY_PT)
    for text in section.paragraphs:
        _paragraph(document, text)
    for chart in section.charts:
        _chart(document, chart)


def _paragraph(document: DocxDocument, text: str) -> Paragraph:
    """A body paragraph; one opening with （一）…。 is a second-level heading run in with its text."""
    match = SUBHEADING.match(text)
    if match is None:
        return _body(document, text)
    paragraph = document.add_paragraph(style="Heading 2")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.keep_with_next = False
    set_font(paragraph.add_run(xml_safe(match[0])), SUBHEADING_FONT, BODY_PT)
    if text[match.end() :]:
        set_font(paragraph.add_run(xml_safe(text[match.end() :])), BODY_FONT, BODY_PT)
    return paragraph


def _chart(document: DocxDocument, chart: Chart) -> None:
    image = png(chart)
    if image is None:
        return
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _no_grid(paragraph)
    paragraph.add_run().add_picture(BytesIO(image), width=Mm(150))


def _sign_off(document: DocxDocument, bulletin: Bulletin) -> None:
    """附件说明, 署名 and 成文日期, kept on the page of the last paragraph (右空四字)."""
    last = document.paragraphs[-1]
    last.paragraph_format.keep_with_next = True
    _gap(document)
    if bulletin.annex_note():
        _annex_note(document, bulletin.annex_note())
        _gap(document)
    for text in (bulletin.office, date_text(bulletin.issued)):
        paragraph = _line(document, text, BODY_FONT, BODY_PT, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = Pt(BODY_PT * 4)
        paragraph.paragraph_format.keep_with_next = True
    document.paragraphs[-1].paragraph_format.keep_with_next = False


def _gap(document: DocxDocument) -> None:
    """An empty line kept with what follows."""
    gap = document.add_paragraph()
    _spacing(gap, BODY_PT)
    gap.paragraph_format.keep_with_next = True


def _annex_note(document: DocxDocument, lines: list[str]) -> None:
    """附件： 左空二字; the names one under the other, after 附件：."""
    for n, text in enumerate(lines):
        paragraph = _line(document, text, BODY_FONT, BODY_PT)
        fmt = paragraph.paragraph_format
        fmt.left_indent, fmt.keep_with_next = Pt(BODY_PT * ANNEX_NOTE_INDENT), True
        fmt.first_line_indent = (
            Pt(-BODY_PT * 3) if n == 0 else Pt(0)
        )  # 附件： stands out by its three characters


# ── 附件 and 版记 ───────────────────────────────────────────────────────────


def _annex(document: DocxDocument, label: str, table: Table) -> None:
    paragraph = _line(document, label, HEADING_FONT, BODY_PT)
    paragraph.paragraph_format.page_break_before = True
    caption = _line(document, table.title, TITLE_FONT, 18, align=WD_ALIGN_PARAGRAPH.CENTER)
    caption.paragraph_format.keep_with_next = True
    _no_grid(caption)
    _table(document, table.printed())


def _table(document: DocxDocument, table: Table) -> None:
    grid = document.add_table(rows=1 + max(len(table.rows), 1), cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    rows = [_row_cells(grid, row) for row in grid.rows]
    widths = _widths(grid, table)
    for cell, column, width in zip(rows[0], table.columns, widths, strict=True):
        _fill(cell, column.title, CELL_HEADING_STYLE, width, centred=True)
    for index, (cells, values) in enumerate(zip(rows[1:], table.rows, strict=False)):
        for cell, column, width, value in zip(cells, table.columns, widths, values, strict=True):
            _fill(cell, cell_text(value, column.kind), CELL_STYLE, width,
                  centred=column.kind != ColumnKind.TEXT, bold=index in table.highlight)  # fmt: skip
    if not table.rows:
        set_font(rows[1][0].merge(rows[1][-1]).paragraphs[0].add_run("无"), BODY_FONT, 10.5)
    _keep_rows(grid)


def _row_cells(grid: DocxTable, row: _Row) -> list[_Cell]:
    """The row's cells straight from its XML (python-docx's own lookup walks the whole table each time)."""
    return [_Cell(tc, grid) for tc in row._tr.tc_lst]


def _fill(cell: _Cell, text: str, style: str, width: Length, *, centred: bool, bold: bool = False) -> None:
    """One cell: its width, one paragraph in the table style, one run (built as XML: 600 cells a bulletin)."""
    cell.width = width
    paragraph = cell._tc.p_lst[0]
    properties = paragraph.get_or_add_pPr()
    properties.get_or_add_pStyle().set(qn("w:val"), style)
    properties.get_or_add_jc().set(qn("w:val"), "center" if centred else "left")
    run = OxmlElement("w:r")
    if bold:
        run.append(OxmlElement("w:rPr"))
        run[0].append(OxmlElement("w:b"))
    body = OxmlElement("w:t")
    body.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    body.text = xml_safe(text)
    run.append(body)
    paragraph.append(run)


def _no_grid(paragraph: Paragraph) -> None:
    """Lines not in 3号 body type (masthead, title, captions, table cells) do not snap to the line grid."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    paragraph._p.get_or_add_pPr().insert(0, snap)


def _keep_rows(grid: DocxTable) -> None:
    """Repeat the header row on each page; never split a row across pages."""
    for index, row in enumerate(grid.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if index == 0:
            properties.append(OxmlElement("w:tblHeader"))


def _widths(grid: DocxTable, table: Table) -> list[Length]:
    """Column widths over the type area, also written to the grid for WPS."""
    total = sum(c.width for c in table.columns)
    widths: list[Length] = [Mm(TYPE_WIDTH_MM * c.width / total) for c in table.columns]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    return widths


def _colophon(document: DocxDocument, bulletin: Bulletin) -> None:
    """版记 at the foot of the last page, an even one (GB/T 9704-2012 7.5).

    A section of its own that starts on an even page: Word, WPS and LibreOffice put in the blank page
    when one is needed, so the parity holds whatever fonts the reader's machine lays the text out with.
    The 版记 is that section's footer, 35 mm up: its last rule sits on the type area's lower edge.
    Neither the 版记 page nor a blank page before it carries a page number.
    """
    page = document.add_section(WD_SECTION.EVEN_PAGE)
    _tiny(document.paragraphs[-1])  # the paragraph that closes the section before
    _tiny(document.add_paragraph())  # the 版记 page's empty body
    page.footer_distance = page.bottom_margin
    for footer in (page.footer, page.even_page_footer, page.first_page_footer):
        footer.is_linked_to_previous = False
    footer = page.even_page_footer
    grid = footer.add_table(rows=2, cols=1, width=Mm(TYPE_WIDTH_MM))
    _colophon_borders(grid)
    _colophon_lines(grid, bulletin)
    # A footer must end with a paragraph: its own empty one goes after the table, 1 pt high.
    grid._tbl.addnext(footer.paragraphs[0]._p)
    _tiny(footer.paragraphs[0])


def _colophon_lines(grid: DocxTable, bulletin: Bulletin) -> None:
    """抄送 wrapping under its first name; 印发机关 left and 印发日期 right, each 空一字 from the rule's end."""
    copy, printed = (grid.rows[n].cells[0].paragraphs[0] for n in (0, 1))
    set_font(copy.add_run(xml_safe(f"抄送：{bulletin.copy_to}。")), BODY_FONT, FOOTER_PT)
    hanging = Pt(COLOPHON_LABEL_CHARS * (FOOTER_PT + CONDENSED / 20))
    copy.paragraph_format.left_indent, copy.paragraph_format.first_line_indent = hanging, -hanging
    set_font(printed.add_run(xml_safe(bulletin.printed_by)), BODY_FONT, FOOTER_PT)
    set_font(printed.add_run(f"\t{date_text(bulletin.issued)}印发"), BODY_FONT, FOOTER_PT)
    printed.paragraph_format.tab_stops.add_tab_stop(
        Mm(TYPE_WIDTH_MM) - 2 * Pt(FOOTER_PT), WD_TAB_ALIGNMENT.RIGHT
    )
    for paragraph in (copy, printed):
        _spacing(paragraph, FOOTER_PT)
        _no_grid(paragraph)


def _tiny(paragraph: Paragraph) -> None:
    """An empty paragraph Word needs (after a table, in an empty section) set 1 pt high, off the grid."""
    _no_grid(paragraph)
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(1)
    fmt.space_before = fmt.space_after = Pt(0)


def _colophon_borders(grid: DocxTable) -> None:
    """Rules as wide as the type area: bold above and below, thin between; text 空一字 from either end."""
    properties = grid._tbl.tblPr
    indent = OxmlElement("w:tblInd")
    # Compatibility mode 14 hangs the cell margin out past the type area: take it back.
    indent.set(qn("w:w"), str(COLOPHON_MARGIN))
    indent.set(qn("w:type"), "dxa")
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(COLOPHON_MARGIN))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    borders = OxmlElement("w:tblBorders")
    for side, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0), ("insideH", 6), ("insideV", 0)):
        edge = OxmlElement(f"w:{side}")
        for key, value in (("val", "single" if size else "nil"), ("sz", str(size)), ("space", "0"),
                           ("color", "000000")):  # fmt: skip
            edge.set(qn(f"w:{key}"), value)
        borders.append(edge)
    look = properties.find(qn("w:tblLook"))  # the schema's order: tblInd, tblBorders, tblCellMar, tblLook
    for element in (indent, borders, margins):
        look.addprevious(element)
