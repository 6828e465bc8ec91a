"""Run one import in this process and stop half-way inside its transaction, to be killed with SIGKILL.

    python child_import.py template|ledger URL INPUT MARKER PAUSE_AFTER

The import service is wrapped (in this process only) so that after PAUSE_AFTER rows have been written
and flushed to the database it writes MARKER and sleeps; the parent then kills it. PAUSE_AFTER 0 lets
the import run to its commit.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

import duban.exchange.ledger_import
import duban.exchange.upload
import duban.services.projects
from duban.persistence.db import make_engine, session_factory, transaction
from duban.persistence.models import OrgUnitRow, PeriodRow
from duban.services.entries import Writer
from duban.services.plans import find_plan

CURRENT: list[Session] = []


def pausing(function: Any, marker: Path, after: int) -> Any:
    """`function`, which after its `after`-th call flushes the import's session, writes `marker` and
    sleeps for good."""
    calls = 0

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        result = function(*args, **kwargs)
        calls += 1
        if after and calls == after:
            CURRENT[0].flush()
            _write_at_once(marker, str(calls))
            time.sleep(3600)
        return result

    return wrapped


def _write_at_once(marker: Path, text: str) -> None:
    """Write the marker whole: the test polls for it and must never read it created but still empty."""
    partial = marker.with_name(marker.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(marker)


def run_template(session: Session, content: bytes) -> None:
    plan_row = find_plan(session=session)
    assert plan_row is not None
    unit = session.scalars(select(OrgUnitRow).where(OrgUnitRow.name == "镇雄县")).one()
    june = session.scalars(
        select(PeriodRow).where(PeriodRow.plan_id == plan_row.id, PeriodRow.month == 6)
    ).one()
    writer = Writer(user_id=None, admin=True, today=date(2026, 6, 10))
    duban.exchange.upload.import_workbook(session=session, content=content, key="durability", plan_row=plan_row,
                                          writer=writer, unit=unit, period=june)  # fmt: skip


def run_ledger(session: Session, content: bytes) -> None:
    plan_row = find_plan(session=session)
    assert plan_row is not None
    duban.exchange.ledger_import.import_ledger(session=session, plan_row=plan_row, data=content)


def main(kind: str, url: str, source: str, marker: str, after: str) -> None:
    engine = make_engine(url)
    if url.startswith("sqlite"):  # a tiny page cache spills uncommitted pages to the WAL before commit
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA cache_size=5"))
    if kind == "template":
        duban.exchange.upload.save_figure = pausing(
            duban.exchange.upload.save_figure, Path(marker), int(after)
        )
    else:
        duban.services.projects._fill_row = pausing(
            duban.services.projects._fill_row, Path(marker), int(after)
        )
    with transaction(session_factory(engine)) as session:
        CURRENT.append(session)
        (run_template if kind == "template" else run_ledger)(session, Path(source).read_bytes())
    _write_at_once(Path(marker), "committed")


if __name__ == "__main__":
    main(*sys.argv[1:6])
