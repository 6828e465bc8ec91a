"""The bulletin as HTML (the PDF's source and the web preview) and as PDF through WeasyPrint.

WeasyPrint embeds (subsets of) the fonts it uses, so the PDF carries its CJK glyphs: Noto Serif/Sans
CJK from Debian's fonts-noto-cjk when the government fonts (仿宋_GB2312, 黑体) are not installed.
"""

from __future__ import annotations

import base64
import re
from decimal import Decimal
from html import escape
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from duban.reports.charts import svg
from duban.reports.model import Bulletin, Cell, Chart, ColumnKind
from duban.reports.raster import png
from duban.reports.text import date_text, percent_text

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）[^。]*。")


def cell_text(value: Cell, kind: str) -> str:
    """A table cell as Word and PDF write it."""
    if value is None or value == "":
        return "—"
    if kind == ColumnKind.PERCENT:
        return percent_text(Decimal(value))
    return str(value)


def subheading(paragraph: str) -> str:
    """The （一）…。 that opens a paragraph as its second-level heading, or ''."""
    match = SUBHEADING.match(paragraph)
    return match[0] if match else ""


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["cell"] = cell_text
    env.filters["subheading"] = subheading
    return env


ENV = _environment()


def chart_html(chart: Chart) -> str:
    """The very PNG the Word file holds, at the same 150 mm width (so both paginate alike); SVG without a CJK font."""
    image = png(chart)
    if image is None:
        return svg(chart)
    data = base64.b64encode(image).decode("ascii")
    return f'<img class="chart" alt="{escape(chart.title)}" src="data:image/png;base64,{data}">'


def render_html(*, bulletin: Bulletin) -> str:
    """The bulletin as a standalone HTML page with its charts inline."""
    svgs = {chart.title: chart_html(chart) for chart in bulletin.charts()}
    return ENV.get_template("report.html").render(
        b=bulletin,
        svgs=svgs,
        issued=date_text(bulletin.issued),
        annexes=[(label, table.printed()) for label, table in bulletin.annexes()],
    )


def render_pdf(*, bulletin: Bulletin) -> bytes:
    """The bulletin as an A4 PDF with embedded CJK fonts."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(bulletin=bulletin), base_url=str(TEMPLATES)).write_pdf()
    return pdf
