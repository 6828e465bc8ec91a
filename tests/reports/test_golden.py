"""The October city bulletin's text against the copy reviewed by eye: a change in wording is a visible diff.

After an intended change, rewrite the copy with `DUBAN_UPDATE_GOLDEN=1 uv run pytest tests/reports/test_golden.py`
and review the diff before committing it.
"""

import os
from pathlib import Path

from duban.reports.model import Bulletin
from duban.reports.text import date_text

GOLDEN = Path(__file__).parents[1] / "data" / "reports" / "zhaotong-2026-10-city.txt"


def bulletin_text(bulletin: Bulletin) -> str:
    """The bulletin as an officer reads it: masthead to 版记, with the 附件 titles."""
    lines = [
        bulletin.office,
        bulletin.doc_number,
        *bulletin.title_lines,
        bulletin.addressee,
        bulletin.opening,
    ]
    for section in bulletin.sections:
        lines += [section.heading, *section.paragraphs]
    lines += ["", *bulletin.annex_note()]
    lines += ["", bulletin.office, date_text(bulletin.issued), ""]
    lines += [f"{label} {table.title}" for label, table in bulletin.annexes()]
    lines += ["", f"抄送：{bulletin.copy_to}。", f"{bulletin.printed_by}  {date_text(bulletin.issued)}印发"]
    return "\n".join(lines) + "\n"


def test_october_city_bulletin_reads_as_reviewed(city_october):
    text = bulletin_text(city_october)
    if os.environ.get("DUBAN_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
