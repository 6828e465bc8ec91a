"""The October city bulletin of the demo year in Word, Excel and PDF, read back with the usual tools."""

import itertools
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from openpyxl import load_workbook
from PIL import Image, ImageChops

from builders import COUNTIES
from duban.reports.docx import BODY_FONT, HEADING_FONT
from duban.reports.files import render
from duban.reports.model import Bulletin, Column, ColumnKind, Section, Table
from duban.reports.raster import png
from duban.reports.service import file_name
from duban.reports.text import percent_text, tenth
from duban.reports.xlsx import render_xlsx

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdfinfo") is None,
    reason="LibreOffice Writer (libreoffice-writer-nogui) or poppler-utils not installed",
)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@pytest.fixture(scope="module")
def docx_file(city_october):
    return Document(BytesIO(render(bulletin=city_october, fmt="docx")))


@pytest.fixture(scope="module")
def workbook(city_october):
    return load_workbook(BytesIO(render(bulletin=city_october, fmt="xlsx")))


@pytest.fixture(scope="module")
def pdf_path(city_october, out_dir):
    path = out_dir / file_name(bulletin=city_october, fmt="pdf")
    path.write_bytes(render(bulletin=city_october, fmt="pdf"))
    return path


# ── Word ────────────────────────────────────────────────────────────────────


def test_docx_text_and_known_figures(docx_file, city_october, october):
    text = plain("\n".join(p.text for p in docx_file.paragraphs))
    assert "昭通市人民政府督查室" in text and "昭政督通〔2026〕X号" in text
    assert city_october.title in text.replace("\n", "")
    assert "九、报送情况" in text and "十、下步工作要求" in text
    cells = {cell.text for t in docx_file.tables for row in t.rows for cell in row.cells}
    assert set(COUNTIES) <= cells
    roads = next(line for line in october.indicators if line.indicator.id == "L02-1")
    assert f"{tenth(roads.judgement.completion_pct)}%" in cells
    ranking = next(
        t
        for t in docx_file.tables
        if t.rows[0].cells[1].text == plain("县(市、区)").replace("(", "\uff08").replace(")", "\uff09")
    )
    assert [r.cells[1].text for r in ranking.rows[1:]] == [r.unit for r in october.rankings]


def test_docx_page_fonts_and_tables(docx_file):
    page = docx_file.sections[0]
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    margins = (page.top_margin, page.bottom_margin, page.left_margin, page.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    grid = page._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"  # 22 lines: 225 mm / 22 = 28.95 pt
    east_asian = {
        r._element.rPr.rFonts.get(qn("w:eastAsia")) for p in docx_file.paragraphs for r in p.runs if r.text
    }
    assert {BODY_FONT, HEADING_FONT} <= east_asian
    footer = page.footer._element.xml
    assert "PAGE" in footer and 'w:fldCharType="begin"' in footer
    for table in docx_file.tables:
        header = table.rows[0]._tr.trPr
        assert header.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)


def test_docx_headings_are_real_styles_with_outline_levels(docx_file, city_october):
    styles = {p.style.name for p in docx_file.paragraphs}
    assert {"Heading 1", "Heading 2"} <= styles
    for name, font, level in (("Heading 1", HEADING_FONT, "0"), ("Heading 2", "楷体_GB2312", "1")):
        style = docx_file.styles[name]
        assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == font
        assert style.element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == level
    first = [p.text for p in docx_file.paragraphs if p.style.name == "Heading 1"]
    assert first == [s.heading for s in city_october.sections]
    second = [p.runs[0].text for p in docx_file.paragraphs if p.style.name == "Heading 2"]
    assert "（一）大抓经济建设。" in second and "（一）市场需求偏弱、市场主体投资意愿不强。" in second


def test_docx_is_chinese_with_a_hand_broken_title(docx_file, city_october):
    lang = docx_file.styles["Normal"].element.rPr.find(qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    assert docx_file.core_properties.language == "zh-CN"
    title = next(p for p in docx_file.paragraphs if p.text.replace("\n", "") == city_october.title)
    assert title.text.split("\n") == ["关于2026年1—10月全市", "重点工作推进情况的通报"]


def test_docx_page_numbers_outside_on_odd_and_even_pages(docx_file):
    assert docx_file.settings.odd_and_even_pages_header_footer
    page = docx_file.sections[0]
    for footer, side in ((page.footer, "right"), (page.even_page_footer, "left")):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == getattr(WD_ALIGN_PARAGRAPH, side.upper())
        assert paragraph.text == "— 1 —"
        assert {r.font.size.pt for r in paragraph.runs} == {14}


def test_docx_signature_then_annexes_then_colophon(docx_file, city_october):
    texts = [p.text for p in docx_file.paragraphs]
    sign = texts.index("昭通市人民政府督查室", 1)
    assert texts[sign + 1] == "2026年11月27日"
    note = texts.index("附件：1.总体情况")
    assert (
        texts[note - 1] == ""
        and texts[note + 6] == ""
        and texts[note - 2] == city_october.sections[-1].paragraphs[-1]
    )
    assert texts[note : note + 6] == city_october.annex_note() and sign == note + 7
    assert (
        city_october.annex_note()[1:]
        == [f"{n}.{t.title}" for n, t in enumerate(city_october.tables(), 1)][1:]
    )
    for paragraph in docx_file.paragraphs[note - 2 : sign]:  # last text, 附件说明 and signature on one page
        assert paragraph.paragraph_format.keep_with_next
    labels = [t for t in texts if re.fullmatch(r"附件\d+", t)]
    assert labels == [f"附件{n}" for n in range(1, len(city_october.tables()) + 1)]
    assert texts.index("附件1") > sign
    assert [t for t in texts if "抄送" in t or "印发" in t] == []  # the 版记 is the last page's footer
    body = docx_file.element.body
    for table in body.iter(f"{W}tbl"):
        following = table.getnext()
        closes_section = following.find(f"{W}pPr/{W}sectPr") is not None  # Word needs a paragraph there
        assert closes_section or not (
            following.tag == f"{W}p" and not "".join(following.itertext()).strip()
        ), "no empty paragraph after a table"


def test_docx_colophon_is_the_footer_of_an_even_page_of_its_own(docx_file):
    """版记 (抄送, 印发机关和印发日期) at the foot of the last page, which Word starts on an even page."""
    main, colophon = docx_file.sections
    assert colophon.start_type == WD_SECTION.EVEN_PAGE
    assert colophon.footer_distance == colophon.bottom_margin == main.bottom_margin  # on the type area's edge
    assert [p.text for p in docx_file.paragraphs[-2:]] == ["", ""]  # the page's body stays empty
    (table,) = colophon.even_page_footer.tables
    assert [row.cells[0].text for row in table.rows] == [
        "抄送：市委办公室，市人大常委会办公室，市政协办公室，昭通市人民政府办公室。",
        "昭通市人民政府督查室\t2026年11月27日印发",
    ]
    for footer in (colophon.footer, colophon.even_page_footer, colophon.first_page_footer):
        assert not footer.is_linked_to_previous and "PAGE" not in footer._element.xml  # no page number
    assert "PAGE" in main.even_page_footer._element.xml


def test_docx_embeds_the_charts(docx_file, city_october):
    pictures = docx_file.inline_shapes
    if shutil.which("fc-match") is None:
        pytest.skip("no fontconfig: charts are left out of Word")
    assert len(pictures) == len(city_october.charts())


# ── Excel ───────────────────────────────────────────────────────────────────


def test_xlsx_one_sheet_per_annex_with_title_frozen_header_and_print_setup(workbook, city_october):
    assert workbook.sheetnames == ["通报", *(t.title for t in city_october.tables())]
    assert workbook["通报"].freeze_panes == "A2"
    for (label, table), sheet in zip(city_october.annexes(), workbook.worksheets[1:], strict=True):
        assert sheet["A1"].value == f"{label}  {table.title}"
        assert sheet.freeze_panes == "A3"
        assert [c.value for c in sheet[2]] == [c.title for c in table.columns]
        assert sheet.page_setup.orientation == "landscape"
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$2:$2"


def test_xlsx_numbers_stay_numbers(workbook, october):
    ranking = workbook["县区排名"]
    assert [c.value for c in ranking["B"][2:]] == [r.unit for r in october.rankings]
    first = ranking[3]
    assert first[0].value == 1 and first[0].number_format == "0"
    assert first[2].value == pytest.approx(float(tenth(october.rankings[0].score)))
    assert first[2].number_format == "0.0"
    assert first[5].value == pytest.approx(float(tenth(october.rankings[0].done_share)) / 100)
    livelihood = workbook["惠民实事推进情况"]
    header = [c.value for c in livelihood[2]]
    assert header[-3:] == ["目标值", "完成值", "计量单位"]
    roads = next(
        row for row in livelihood.iter_rows(min_row=3) if row[2].value == "30户以上自然村通硬化路里程"
    )
    line = next(x for x in october.indicators if x.indicator.id == "L02-1")
    assert roads[0].value == 2 and roads[0].data_type == "n"
    assert roads[5].value == pytest.approx(float(tenth(line.judgement.completion_pct)) / 100)
    assert roads[5].number_format == "0.0%" and roads[5].data_type == "n"
    assert [c.value for c in roads[-3:]] == [1240, pytest.approx(float(line.figure.value)), "公里"]
    projects = workbook["项目建设推进情况"]
    # figures in the indicator's display unit, as the text writes them (8267000000 元 → 82.67 亿元)
    investment = next(row for row in projects.iter_rows(min_row=3) if row[-1].value == "亿元")
    assert investment[-3].value == 82.67 and investment[3].value == "82.67亿元"


def test_word_leaves_out_the_workbook_only_columns(docx_file):
    headers = [[c.text for c in t.rows[0].cells] for t in docx_file.tables]
    assert headers and not any("计量单位" in h for h in headers)


def test_xlsx_text_cells_cannot_become_formulas():
    hostile = Table("表", (Column("名称"), Column("数", ColumnKind.COUNT)),
                    [("=HYPERLINK(\"http://evil\",\"点我\")", 1), ("+SUM(A1:A9)", -2), ("@cmd", 3), ("-1+1", 4)])  # fmt: skip
    bulletin = Bulletin(office="=督查室", doc_number="x", title="-t", addressee="@a", opening="+o",
                        issued=date(2026, 1, 1), year=2026, month=1, unit=None,
                        sections=[Section("一、=总体", ["=1+1"], [hostile])])  # fmt: skip
    book = load_workbook(BytesIO(render_xlsx(bulletin=bulletin)))
    sheet = book["表"]
    names = [row[0].value for row in sheet.iter_rows(min_row=3)]
    assert names == ['\'=HYPERLINK("http://evil","点我")', "'+SUM(A1:A9)", "'@cmd", "'-1+1"]
    assert all(row[0].data_type == "s" for row in sheet.iter_rows(min_row=3))
    assert [row[1].value for row in sheet.iter_rows(min_row=3)] == [1, -2, 3, 4]
    text = [row[0].value for row in book["通报"].iter_rows(min_row=2)]
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in text)


# ── PDF ─────────────────────────────────────────────────────────────────────


@needs_poppler
def test_pdf_text_is_extractable_with_counties_and_figures(pdf_path, october, city_october):
    text = plain(subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                                check=True).stdout)  # fmt: skip
    assert "昭通市人民政府督查室" in text
    assert plain(city_october.title)[:12] in text.replace(" ", "")
    for county in COUNTIES:
        assert county in text
    best = october.rankings[0]
    assert f"{tenth(best.score)}" in text
    assert "858.6公里" in text or "公里" in text
    roads = next(line for line in october.indicators if line.indicator.id == "L02-1")
    assert percent_text(roads.judgement.completion_pct) in text
    assert "— 1 —" in text or "—1—" in text.replace(" ", "")


@needs_poppler
def test_pdf_embeds_a_cjk_font(pdf_path):
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:]]
    cjk = [row for row in rows if "CJK" in row[0]]
    assert cjk, fonts
    assert all(row[-5] == "yes" for row in cjk), fonts  # the emb column


@needs_poppler
def test_pdf_embeds_the_charts_as_word_does(pdf_path, city_october):
    if png(city_october.charts()[0]) is None:
        pytest.skip("no fontconfig: the PDF draws its charts as SVG")
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf_path)], capture_output=True, text=True, check=True
    ).stdout
    sizes = [tuple(map(int, line.split()[3:5])) for line in listing.splitlines()[2:]]
    assert sizes == [Image.open(BytesIO(png(chart))).size for chart in city_october.charts()]


@needs_poppler
def test_pdf_first_page_draws_glyphs_not_boxes(pdf_path, tmp_path):
    subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", str(pdf_path), str(tmp_path / "p")],
                   check=True)  # fmt: skip
    page = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    glyphs = masthead_glyphs(page)
    assert len(glyphs) == 10  # 昭通市人民政府督查室
    distinct = {g.tobytes() for g in glyphs}
    assert len(distinct) >= 9, "glyphs drawn as identical boxes: the CJK font is missing"
    ink = [1 - g.histogram()[0] / (g.width * g.height) for g in glyphs]
    assert all(0.08 < share < 0.8 for share in ink), (
        ink
    )  # strokes (36 pt bold: dense), neither blank nor solid boxes


def masthead_glyphs(page: Image.Image) -> list[Image.Image]:
    """The red masthead's characters, cut apart at the blank columns between them, as 1-bit images."""
    r, g, b = page.split()
    low_g, low_b = (c.point(lambda v: 255 if v < 90 else 0) for c in (g, b))
    red = ImageChops.multiply(r.point(lambda v: 255 if v > 150 else 0), ImageChops.multiply(low_g, low_b))
    rows = [y for y in range(page.height) if any(red.getpixel((x, y)) for x in range(0, page.width, 2))]
    top = rows[0]
    bottom = next(y for y in rows if y + 1 not in rows)  # the first red band: the masthead text
    band = red.crop((0, top, page.width, bottom + 1))
    inked = [x for x in range(band.width) if any(band.getpixel((x, y)) for y in range(band.height))]
    runs, start = [], inked[0]
    for a, b in zip(inked, [*inked[1:], None], strict=True):
        if b is None or b - a > 3:
            runs.append(band.crop((start, 0, a + 1, band.height)).resize((24, 24)))
            start = b
    return runs


def test_decimal_cells_render_as_numbers(city_october):
    cells = [c for t in city_october.tables() for row in t.rows for c in row]
    assert any(isinstance(c, Decimal) for c in cells)


# ── LibreOffice: the Word file paginates as the PDF ─────────────────────────


def page_count(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


@needs_office
@pytest.mark.parametrize("fixture", ["city_october", "zhenxiong_october"])
def test_word_and_pdf_have_the_same_pages(fixture, request, out_dir):
    """LibreOffice renders the .docx; its pages and the PDF's are saved as PNG under the test output."""
    bulletin = request.getfixturevalue(fixture)
    folder = out_dir / fixture
    folder.mkdir(exist_ok=True)
    word = folder / file_name(bulletin=bulletin, fmt="docx")
    word.write_bytes(render(bulletin=bulletin, fmt="docx"))
    pdf = folder / file_name(bulletin=bulletin, fmt="pdf")
    pdf.write_bytes(render(bulletin=bulletin, fmt="pdf"))
    office = folder / "office"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
                    "--convert-to", OFFICE_PDF, "--outdir", str(office), str(word)],
                   check=True, capture_output=True, timeout=180)  # fmt: skip
    from_word = office / pdf.name
    for source, prefix in ((from_word, "word"), (pdf, "pdf")):
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(source), str(folder / prefix)], check=True)
    assert page_count(from_word) == page_count(pdf)
    assert len(list(folder.glob("word*.png"))) == page_count(pdf)
    for source in (from_word, pdf):
        assert not SPLIT_NUMBER.findall(body_text(source)), source.name
        assert_colophon_at_the_foot_of_the_last_even_page(source)
        ranking = next(p for p in layout_pages(source) if p.lstrip().startswith("附件") and "县区排名" in p)
        for heading in ("县（市、区）", "正常及以上", "已完成占比", "严重滞后", "未报送"):
            assert heading in ranking, (source.name, heading)  # no column heading broken inside a word


def layout_pages(pdf) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[: page_count(pdf)]


# A printer prints the blank page Word puts before an even-page section; LibreOffice's export leaves it out unless told.
OFFICE_PDF = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'
TYPE_AREA_BOTTOM = (297 - 35) / 25.4 * 72  # pt from the top of an A4 page
LINE = 28.95  # pt, the line grid
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


def assert_colophon_at_the_foot_of_the_last_even_page(pdf) -> None:
    """GB/T 9704-2012 7.5: 版记 last, on an even page, its last line on the type area's last line; no page number
    on that page nor on a blank page before it; every other page numbered."""
    pages = layout_pages(pdf)
    assert len(pages) % 2 == 0, pdf.name
    assert [n for n, page in enumerate(pages, 1) if "抄送：" in page] == [len(pages)], pdf.name
    assert "印发" in pages[-1] and not PAGE_NUMBER.search(pages[-1]), pdf.name
    blank = len(pages) - 1 if not pages[-2].strip() else None
    for n, page in enumerate(pages[:-1], 1):
        assert (n == blank) != bool(PAGE_NUMBER.search(page)), (pdf.name, n)
    words = subprocess.run(["pdftotext", "-f", str(len(pages)), "-l", str(len(pages)), "-bbox", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    lowest = max(float(y) for y in re.findall(r'yMax="([\d.]+)"', words))
    assert TYPE_AREA_BOTTOM - LINE < lowest <= TYPE_AREA_BOTTOM, (pdf.name, lowest)


SPLIT_NUMBER = re.compile(r"\S*[0-9.]\n[0-9.%]\S*")


def body_text(pdf) -> str:
    """The text of the pages before the first 附件, as laid out in lines."""
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    body = itertools.takewhile(lambda page: not page.lstrip().startswith("附件"), pages.split("\f"))
    return "\n".join(body)


# ── Two months read back from Word: the text traces to the data ─────────────

NAMED_ITEM = re.compile(r"“([^”]+)”（([^，）]+)）")


def inner(text: str) -> str:
    """A name as it stands inside the bulletin's quotation marks (“ ” within become ‘ ’, brackets full width)."""
    return text.replace("“", "‘").replace("”", "’").replace("(", "（").replace(")", "）")


@pytest.mark.parametrize(("fixture", "month"), [("city_october", "october"), ("city_november", "november")])
def test_word_text_of_two_months_traces_to_the_data(fixture, month, request):
    bulletin, overview = request.getfixturevalue(fixture), request.getfixturevalue(month)
    document = Document(BytesIO(render(bulletin=bulletin, fmt="docx")))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    for word in ("总体情况", "进展较好", "滞后事项", "存在问题", "排名", "报送情况", "下步工作要求"):
        assert any(word in h for h in headings), word
    names = {
        inner(line.indicator.name + ("（力争）" if line.indicator.aspiration else "")): line
        for line in overview.indicators
    }
    start = next(i for i, t in enumerate(paragraphs) if t.endswith("滞后事项"))
    end = next(i for i, t in enumerate(paragraphs) if t.endswith("存在问题"))
    lagging_text = "".join(paragraphs[start:end])
    for name, unit in NAMED_ITEM.findall(lagging_text):
        line = names[name]
        assert line.lagging and line.indicator.lead_unit == unit, (name, unit)
    notes = {(u.unit, n, inner(u.note)) for n, line in names.items() for u in line.units if u.note}
    causes = [t for t in paragraphs if re.match(r"（[一二三四五六七八九十]+）", t) and "滞后原因" in t]
    assert causes
    for cause in causes:
        quote = re.search(r"如(\S+?)就“([^”]+)”说明：“([^”]+)”", cause)
        assert quote and tuple(quote.groups()) in notes, cause
    for name in re.findall(r"进展较快的是“([^”]+)”", "".join(paragraphs)):
        assert names[name].judgement.gap_pp <= 0 and not names[name].lagging
    assert "并列" in "".join(paragraphs) or len({r.rank for r in overview.rankings}) == len(overview.rankings)
