"""Ledger figures added up by the store equal those of the loaded projects, and a dashboard reads them once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from duban.demo import generate_demo_ledger
from duban.persistence.generation import touch
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.persistence.project_models import ProjectRow
from duban.plan.planfile import read_plan_file
from duban.projects.figures import figures_by_unit
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.projects import ledger_figures, load_projects, plan_ledger_figures, save_projects
from duban.services.summary import dashboard_summary
from services.test_projects import fed_plan, sample_projects

PLAN_FILE = Path(__file__).parents[2] / "src/duban/data/plans/zhaotong-2026.yaml"
DATES = [date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 15), date(2026, 6, 30), date(2026, 7, 1),
         date(2026, 9, 10), date(2026, 12, 31), date(2027, 2, 1)]  # fmt: skip


@pytest.fixture
def demo(session: Session) -> PlanRow:
    """The 昭通 plan with its demo ledger of 1,584 projects (investment through August)."""
    row = save_plan(session=session, plan=read_plan_file(PLAN_FILE))
    ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
    generate_demo_ledger(session=session, plan_row=row, today=date(2026, 9, 10))
    session.flush()
    return row


def _figures_of_loaded_projects(
    session: Session, plan_row: PlanRow, dates: list[date]
) -> list[dict[str, object]]:
    """What duban computed before: every project loaded through the ORM, then added up in Python."""
    units = session.query(OrgUnitRow).order_by(OrgUnitRow.position, OrgUnitRow.id).all()
    counties = [u.name for u in units if u.kind == "county"]
    city = next(u.name for u in units if u.kind == "city")
    projects = load_projects(session=session, plan_id=plan_row.id)
    return [dict(figures_by_unit(projects=projects, city=city, counties=counties, year=plan_row.year, on=on))
            for on in dates]  # fmt: skip


def _aggregated(session: Session, plan_row: PlanRow, dates: list[date]) -> list[dict[str, object]]:
    return [dict(plan_ledger_figures(session=session, plan_id=plan_row.id, on=on)) for on in dates]


def test_the_aggregated_figures_equal_the_loaded_ones_on_the_demo_ledger(session, demo):
    assert _aggregated(session, demo, DATES) == _figures_of_loaded_projects(session, demo, DATES)


def test_the_aggregated_figures_equal_the_loaded_ones_on_the_sample_ledger(session):
    row = save_plan(session=session, plan=fed_plan())
    save_projects(session=session, plan_row=row, projects=sample_projects())
    assert _aggregated(session, row, DATES) == _figures_of_loaded_projects(session, row, DATES)


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_dashboard_reads_the_ledger_by_one_aggregation_and_loads_no_project(session, demo, statements):
    loaded: list[object] = []

    def note(target: object, _context: object) -> None:
        loaded.append(target)

    event.listen(ProjectRow, "load", note)
    try:
        view = dashboard_summary(session=session, plan_row=demo, month=8, today=date(2026, 9, 10))
        city = ledger_figures(session=session, plan_id=demo.id, on=view.on)
    finally:
        event.remove(ProjectRow, "load", note)
    ledger_reads = [s for s in statements if "project_investment" in s or "project_milestone" in s]
    assert loaded == []
    assert len(ledger_reads) == 1  # the panel and the fed indicators share one aggregation
    assert city == _figures_of_loaded_projects(session, demo, [view.on])[0]["昭通市"]


def test_a_change_to_the_ledger_is_seen_by_the_next_read_in_the_same_session(session):
    row = save_plan(session=session, plan=fed_plan())
    save_projects(session=session, plan_row=row, projects=sample_projects())
    before = plan_ledger_figures(session=session, plan_id=row.id, on=date(2026, 9, 10))
    project = session.query(ProjectRow).filter(ProjectRow.plan_id == row.id).first()
    assert project is not None
    project.two_major = not project.two_major
    session.flush()
    after = plan_ledger_figures(session=session, plan_id=row.id, on=date(2026, 9, 10))
    assert abs(after["昭通市"].two_major - before["昭通市"].two_major) == 1


def test_the_figures_are_kept_across_an_approval_and_added_up_again_after_a_ledger_change(factory):
    """An approval touches entries alone: the ledger's figures stay the very object; a project changed moves
    `figures` with everything touched, and the next read adds them up again."""
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=fed_plan())
        save_projects(session=session, plan_row=row, projects=sample_projects())
        plan_id, indicator_id = row.id, session.scalars(select(IndicatorRow.id).limit(1)).one()
    on = date(2026, 9, 10)

    def read() -> tuple[object, object]:
        with factory() as session:
            return plan_ledger_figures(session=session, plan_id=plan_id, on=on), ledger_figures(
                session=session, plan_id=plan_id, on=on
            )

    before = read()
    with factory() as session, session.begin():  # what an approval records: one indicator's entries
        touch(session=session, cells={(indicator_id, None)})
    assert all(a is b for a, b in zip(read(), before, strict=True))
    with factory() as session, session.begin():
        project = session.scalars(select(ProjectRow).where(ProjectRow.plan_id == plan_id).limit(1)).one()
        project.two_major = not project.two_major
    after = read()
    assert abs(after[0]["昭通市"].two_major - before[0]["昭通市"].two_major) == 1  # type: ignore[index]
    assert after[1] is not before[1] and after[1] == after[0]["昭通市"]  # type: ignore[index]
