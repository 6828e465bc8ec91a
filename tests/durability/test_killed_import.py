"""An import killed with SIGKILL half-way through its transaction leaves a sound store holding none of it;
the same import left to finish holds all of it. The template upload and the 项目台账 import, both backends."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from duban.cli import default_plan_path
from duban.exchange.ledger import write_ledger
from duban.exchange.template import make_template
from duban.persistence.db import transaction
from duban.persistence.models import AuditRow, EntryRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.project_models import ProjectInvestmentRow, ProjectMilestoneRow, ProjectRow
from duban.plan.planfile import read_plan_file
from duban.projects.demo import demo_projects
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan

CHILD = Path(__file__).with_name("child_import.py")
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture
def plan_row_id(factory) -> int:
    with transaction(factory) as session:
        row = save_plan(session=session, plan=read_plan_file(default_plan_path()))
        ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
        return row.id


def _template(factory, plan_row_id: int) -> tuple[bytes, int]:
    """镇雄县's June template with every row filled (anomalies confirmed), and how many rows that is."""
    with factory() as session:
        plan_row = session.get_one(PlanRow, plan_row_id)
        unit = session.scalars(select(OrgUnitRow).where(OrgUnitRow.name == "镇雄县")).one()
        june = session.scalars(select(PeriodRow).where(PeriodRow.month == 6)).one()
        content = make_template(session=session, plan_row=plan_row, unit=unit, period=june, key="durability")
    book = load_workbook(BytesIO(content))
    sheet, filled = book["填报"], 0
    for row in range(5, sheet.max_row + 1):
        if sheet[f"O{row}"].value is not None:
            _fill(sheet, row)
            filled += 1
    out = BytesIO()
    book.save(out)
    return out.getvalue(), filled


def _fill(sheet, row: int) -> None:
    mode = sheet[f"E{row}"].value
    if str(mode).startswith("填本期数值"):  # with the conversion where the display unit differs
        sheet[f"H{row}"] = float(Decimal(str(sheet[f"F{row}"].value or 100)) / 2)
    elif mode == "填分子、分母":
        sheet[f"I{row}"], sheet[f"J{row}"] = 50, 100
    else:
        sheet[f"K{row}"], sheet[f"L{row}"] = "实施中", datetime(2026, 6, 1)
    sheet[f"M{row}"], sheet[f"N{row}"] = "按计划推进", "是"


def _ledger(count: int = 60) -> bytes:
    from builders import COUNTIES

    projects = demo_projects(counties=list(COUNTIES), year=2026, today=date(2026, 6, 10))[:count]
    return write_ledger(projects, title="重点项目台账")


def _run_child(kind: str, url: str, source: Path, marker: Path, pause_after: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests")}
    return subprocess.Popen([sys.executable, str(CHILD), kind, url, str(source), str(marker), str(pause_after)],
                            env=env, stderr=subprocess.PIPE)  # fmt: skip


def _kill_half_way(kind: str, url: str, source: Path, marker: Path, pause_after: int) -> None:
    child = _run_child(kind, url, source, marker, pause_after)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        assert time.monotonic() < deadline, "the child never reached the pause"
        time.sleep(0.05)
    assert marker.read_text(encoding="utf-8") == str(pause_after)
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL


def _run_to_the_end(kind: str, url: str, source: Path, marker: Path) -> None:
    child = _run_child(kind, url, source, marker, 0)
    _, errors = child.communicate(timeout=300)
    assert child.returncode == 0, errors.decode()
    assert marker.read_text(encoding="utf-8") == "committed"


def _sound(url: str, engine) -> None:
    """SQLite's integrity and foreign key checks pass; PostgreSQL answers and its foreign keys hold."""
    engine.dispose()
    if url.startswith("sqlite"):
        with sqlite3.connect(make_url(url).database) as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        db.close()
        return
    with engine.connect() as connection:
        assert connection.execute(text("select 1")).scalar() == 1
        orphans = connection.execute(
            select(func.count()).select_from(ProjectInvestmentRow).where(
                ProjectInvestmentRow.project_id.not_in(select(ProjectRow.id)))
        ).scalar()  # fmt: skip
        assert orphans == 0


def _counts(factory) -> tuple[int, int, int, int]:
    with factory() as session:
        return (
            session.scalar(select(func.count()).select_from(EntryRow)) or 0,
            session.scalar(select(func.count()).select_from(ProjectRow)) or 0,
            session.scalar(select(func.count()).select_from(ProjectMilestoneRow)) or 0,
            session.scalar(select(func.count()).select_from(AuditRow)) or 0,
        )


def test_template_upload_killed_half_way_leaves_none_of_it(plan_row_id, factory, engine, db_url, tmp_path):
    content, filled = _template(factory, plan_row_id)
    assert filled >= 6
    source = tmp_path / "六月.xlsx"
    source.write_bytes(content)
    before = _counts(factory)
    _kill_half_way("template", db_url, source, tmp_path / "paused", pause_after=filled // 2)
    _sound(db_url, engine)
    assert _counts(factory) == before
    _run_to_the_end("template", db_url, source, tmp_path / "done")
    _sound(db_url, engine)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(EntryRow)) == filled


def test_ledger_import_killed_half_way_leaves_none_of_it(plan_row_id, factory, engine, db_url, tmp_path):
    source = tmp_path / "台账.xlsx"
    source.write_bytes(_ledger(60))
    before = _counts(factory)
    _kill_half_way("ledger", db_url, source, tmp_path / "paused", pause_after=30)
    _sound(db_url, engine)
    assert _counts(factory) == before
    _run_to_the_end("ledger", db_url, source, tmp_path / "done")
    _sound(db_url, engine)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ProjectRow)) == 60
