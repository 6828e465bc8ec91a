"""A bulletin as a Word, PDF or Excel file: the three renderers behind one call.

Apart from `duban.reports.service` (the bulletin's content), so that reading a bulletin does not import the
renderers' libraries first (python-docx, openpyxl, jinja2, PIL: 0.2–0.5 s CPU of a cold `duban report` before
its store was read).
"""

from __future__ import annotations

from duban.reports.docx import render_docx
from duban.reports.model import Bulletin
from duban.reports.pdf import render_pdf
from duban.reports.xlsx import render_xlsx


def render(*, bulletin: Bulletin, fmt: str) -> bytes:
    """The bulletin as a .docx, .pdf or .xlsx file."""
    renderers = {"docx": render_docx, "pdf": render_pdf, "xlsx": render_xlsx}
    return renderers[fmt](bulletin=bulletin)
