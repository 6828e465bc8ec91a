"""The dashboard's ledger panel is added up again when the ledger changes, not when a figure is submitted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

import duban.services.projects
from duban.persistence.generation import touch
from duban.persistence.models import PlanRow
from duban.services.plan_loading import save_plan
from duban.services.projects import ledger_figures, plan_ledger_figures, save_projects
from services.test_projects import fed_plan, sample_projects

JUNE = date(2026, 6, 30)


def test_the_ledger_panel_follows_the_ledger_and_not_reporting_states(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with factory() as session, session.begin():
        save_projects(session=session, plan_row=save_plan(session=session, plan=fed_plan()),
                      projects=sample_projects())  # fmt: skip
    added_up: list[int] = []
    county_totals = duban.services.projects.county_totals
    monkeypatch.setattr(duban.services.projects, "county_totals",
                        lambda **kw: added_up.append(1) or county_totals(**kw))  # fmt: skip

    def panel() -> object:
        with factory() as session:
            plan_id = session.scalars(select(PlanRow.id)).one()
            return ledger_figures(session=session, plan_id=plan_id, on=JUNE)

    before = panel()
    with factory() as session, session.begin():
        touch(session=session, figures=False, states=True)  # what a submission or a return moves
    assert panel() is before and len(added_up) == 1
    with factory() as session, session.begin():
        projects = sample_projects()
        projects[1].year_plan = Decimal(987_000_000)
        save_projects(session=session, plan_row=session.scalars(select(PlanRow)).one(), projects=projects)
    after = panel()
    assert len(added_up) == 2 and after != before
    with factory() as session:
        plan_id = session.scalars(select(PlanRow.id)).one()
        assert after == next(iter(plan_ledger_figures(session=session, plan_id=plan_id, on=JUNE).values()))
