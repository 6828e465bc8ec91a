"""The bulletin as HTML (the PDF's source and the web preview) and as PDF through WeasyPrint.

WeasyPrint embeds (subsets of) the fonts it uses, so the PDF carries its CJK glyphs: Noto Serif/Sans
CJK from Debian's fonts-noto-cjk when the government fonts (仿宋_GB2312, 黑体) are not installed.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape

from duban.reports.charts import svg
from duban.reports.model import Bulletin, Cell, Chart, ColumnKind
from duban.reports.raster import png
from duban.reports.text import date_text, percent_text

if TYPE_CHECKING:
    from types import ModuleType

    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
CHART_SCHEME = "chart"
FONTS = threading.local()
WEASYPRINT_IMPORT = threading.Lock()
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


def chart_html(chart: Chart, images: dict[str, bytes]) -> str:
    """The very PNG the Word file holds, at the same 150 mm width (so both paginate alike); SVG without a CJK font.

    The PNG goes into `images` under a chart: URL that the PDF's fetcher serves, so the HTML carries no
    base64 copy for the parser to read through.
    """
    image = png(chart)
    if image is None:
        return svg(chart)
    url = f"{CHART_SCHEME}:{len(images)}"
    images[url] = image
    return f'<img class="chart" alt="{escape(chart.title)}" src="{url}">'


def render_html(*, bulletin: Bulletin, images: dict[str, bytes]) -> str:
    """The bulletin as an HTML page, its chart PNGs put into `images` by URL."""
    svgs = {chart.title: chart_html(chart, images) for chart in bulletin.charts()}
    return ENV.get_template("report.html").render(
        b=bulletin,
        svgs=svgs,
        issued=date_text(bulletin.issued),
        annexes=[(label, table.printed()) for label, table in bulletin.annexes()],
    )


def render_pdf(*, bulletin: Bulletin) -> bytes:
    """The bulletin as an A4 PDF with embedded CJK fonts."""
    images: dict[str, bytes] = {}
    html = render_html(bulletin=bulletin, images=images)
    page = loaded_weasyprint().HTML(string=html, base_url=str(TEMPLATES), url_fetcher=chart_fetcher(images))
    pdf: bytes = page.write_pdf(font_config=font_config())
    return pdf


def chart_fetcher(images: dict[str, bytes]) -> URLFetcher:
    """WeasyPrint's fetcher, serving the charts' chart: URLs from `images` and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ChartFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            if url not in images:
                raise ValueError(f"not a chart of this bulletin: {url}")
            return URLFetcherResponse(url, images[url], {"Content-Type": "image/png"})

    return ChartFetcher(allowed_protocols=(CHART_SCHEME,))


def warm_up() -> threading.Thread:
    """Import WeasyPrint and load the CJK fonts in a thread of their own, so that a server's first PDF does not
    wait for them (1.2 s of imports and library look-ups, then fontconfig's font setup). A server joins it
    before it takes requests: running beside them, the imports held the GIL and slowed /healthz past 200 ms."""

    thread = threading.Thread(target=render_one_line, name="duban-pdf-warm-up", daemon=True)
    thread.start()
    return thread


def render_one_line() -> None:
    """One line of CJK text as a PDF, thrown away: WeasyPrint imported and this thread's fonts loaded."""
    one_line = loaded_weasyprint().HTML(string='<p style="font-family: serif">督查通报</p>')
    one_line.write_pdf(font_config=font_config())


def font_config() -> FontConfiguration:
    """This thread's WeasyPrint font configuration, kept: a fresh one per PDF loads the CJK fonts again.

    One per thread, as the web server renders in a thread pool and Pango's font map is not thread-safe.
    """
    if not hasattr(FONTS, "config"):
        FONTS.config = loaded_weasyprint().text.fonts.FontConfiguration()
    config: FontConfiguration = FONTS.config
    return config


def loaded_weasyprint() -> ModuleType:
    """WeasyPrint, imported once, on Linux without ctypes' library search (`_no_library_search`)."""
    with WEASYPRINT_IMPORT, _no_library_search():
        import weasyprint
        import weasyprint.text.fonts

        return weasyprint


@contextmanager
def _no_library_search() -> Iterator[None]:
    """While this thread imports WeasyPrint on Linux, ctypes.util.find_library finds nothing, at once.

    WeasyPrint tries each of its seven libraries under other platforms' names (libgobject-2.0-0,
    gobject-2.0-0, gobject-2.0) before the one that loads on Linux (libgobject-2.0.so.0); cffi asks
    find_library about every miss, which runs ldconfig, gcc and ld: 54 subprocesses, 0.2 s CPU and
    0.4 s or more of a cold bulletin's wall clock. The .so names load without it; other threads still search.
    """
    import ctypes.util

    if "weasyprint" in sys.modules or sys.platform != "linux":
        yield
        return
    search, importer = ctypes.util.find_library, threading.get_ident()

    def find_library(name: str) -> str | None:
        return None if threading.get_ident() == importer else search(name)

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = search
