"""The project ledger in the store: upsert by code with an audit trail, figures and plan feeds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from builders import make_indicator, make_plan
from duban.cli import default_plan_path
from duban.persistence.models import AuditRow, PlanRow
from duban.plan.model import Plan
from duban.plan.planfile import read_plan_file
from duban.projects.figures import figures_by_unit
from duban.projects.model import Project
from duban.services.plan_loading import save_plan
from duban.services.projects import (
    clear_projects,
    ledger_feeds,
    load_projects,
    plan_ledger_figures,
    replace_projects,
    save_projects,
)

SAMPLE = Path(__file__).parents[1] / "data" / "ledger" / "sample.yaml"


def sample_projects() -> list[Project]:
    return [Project.model_validate(item) for item in YAML(typ="safe").load(SAMPLE.read_text("utf-8"))]


JUNE = date(2026, 6, 30)


def fed_plan() -> Plan:
    return make_plan(indicators=[
        make_indicator(id="A-03", name="新开工项目数", unit="个", target=D(1000), comparator=">=",
                       lead_unit="市发展改革委", feed="ledger.new_starts"),
        make_indicator(id="A-05", name="民间投资占比", unit="%", kind="share", target=D(45),
                       lead_unit="市发展改革委", feed="ledger.private_share"),
        make_indicator(id="L02-1"),
    ])  # fmt: skip


@pytest.fixture
def plan_row(session: Session) -> PlanRow:
    return save_plan(session=session, plan=fed_plan())


def audits(session: Session, action: str) -> int:
    return session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.action == action)) or 0


def test_saved_projects_read_back_unchanged(session: Session, plan_row: PlanRow) -> None:
    summary = save_projects(session=session, plan_row=plan_row, projects=sample_projects())
    assert (summary.created, summary.updated, summary.unchanged) == (7, 0, 0)
    assert load_projects(session=session, plan_id=plan_row.id) == sample_projects()
    assert audits(session, "project.create") == 7


def test_saving_again_changes_only_what_differs(session: Session, plan_row: PlanRow) -> None:
    save_projects(session=session, plan_row=plan_row, projects=sample_projects())
    changed = sample_projects()
    changed[1].year_plan = D(120_000_000)
    summary = save_projects(session=session, plan_row=plan_row, projects=changed, user_id=None)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 6)
    update = session.scalars(select(AuditRow).where(AuditRow.action == "project.update")).one()
    assert (update.old, update.new) == ({"year_plan": "100000000"}, {"year_plan": "120000000"})


def test_a_county_outside_the_units_is_refused(session: Session, plan_row: PlanRow) -> None:
    project = sample_projects()[0]
    project.county = "宣威市"
    with pytest.raises(ValueError, match="宣威市"):
        save_projects(session=session, plan_row=plan_row, projects=[project])


def test_stored_figures_match_the_pure_ones(session: Session, plan_row: PlanRow) -> None:
    save_projects(session=session, plan_row=plan_row, projects=sample_projects())
    stored = plan_ledger_figures(session=session, plan_id=plan_row.id, on=JUNE)
    assert list(stored)[:3] == ["昭通市", "昭阳区", "鲁甸县"]
    assert len(stored) == 12
    pure = figures_by_unit(
        projects=sample_projects(), city="昭通市", counties=list(stored)[1:], year=2026, on=JUNE
    )
    assert stored == pure


def test_ledger_feeds_give_the_fed_indicators_their_values(session: Session, plan_row: PlanRow) -> None:
    save_projects(session=session, plan_row=plan_row, projects=sample_projects())
    feeds = ledger_feeds(session=session, plan_id=plan_row.id, on=JUNE)
    assert set(feeds) == {"A-03", "A-05"}
    zeros = {
        c: D(0)
        for c in ("鲁甸县", "巧家县", "盐津县", "大关县", "永善县", "绥江县", "彝良县", "威信县", "水富市")
    }
    assert feeds["A-03"] == {"昭通市": D(3), "市发展改革委": D(3), "镇雄县": D(1), "昭阳区": D(2)} | zeros
    assert feeds["A-05"] == {"昭通市": D("73.87"), "市发展改革委": D("73.87"), "镇雄县": D("76.92"),
                             "昭阳区": D("28.57")}  # fmt: skip


def test_no_fed_indicators_no_feeds(session: Session) -> None:
    row = save_plan(session=session, plan=make_plan())
    assert ledger_feeds(session=session, plan_id=row.id, on=JUNE) == {}


def test_replace_and_clear(session: Session, plan_row: PlanRow) -> None:
    save_projects(session=session, plan_row=plan_row, projects=sample_projects())
    assert (
        replace_projects(session=session, plan_row=plan_row, projects=sample_projects()[:2], reason="演示")
        == 2
    )
    assert [p.code for p in load_projects(session=session, plan_id=plan_row.id)] == ["P1", "P2"]
    assert audits(session, "project.replace") == 1
    assert clear_projects(session=session, plan_id=plan_row.id) == 2
    assert load_projects(session=session, plan_id=plan_row.id) == []


def test_reimporting_the_exported_demo_ledger_changes_nothing(session: Session) -> None:
    from duban.demo import generate_demo_ledger
    from duban.exchange.ledger import write_ledger
    from duban.exchange.ledger_import import import_ledger
    from duban.services.projects import load_projects

    plan = read_plan_file(default_plan_path())
    row = save_plan(session=session, plan=plan)
    generate_demo_ledger(session=session, plan_row=row, today=date(2026, 11, 26))
    session.flush()
    projects = load_projects(session=session, plan_id=row.id)
    exported = write_ledger(projects, title="台账")
    audits = session.scalar(select(func.count()).select_from(AuditRow))
    summary = import_ledger(session=session, plan_row=row, data=exported)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, len(projects))
    assert session.scalar(select(func.count()).select_from(AuditRow)) == audits
    changed = [projects[0].model_copy(update={"year_plan": projects[0].year_plan + 10_000}), *projects[1:]]
    summary = import_ledger(session=session, plan_row=row, data=write_ledger(changed, title="台账"))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, len(projects) - 1)
    assert session.scalar(select(func.count()).select_from(AuditRow)) == audits + 1


def test_remembered_ledger_figures_follow_a_replaced_ledger(factory: sessionmaker[Session]) -> None:
    """The ledger's figures are remembered across requests (the year-end preview asks for twelve months), and
    a replaced ledger is seen by the next request at once."""
    with factory() as session, session.begin():
        plan_id = save_plan(session=session, plan=fed_plan()).id
        save_projects(session=session, plan_row=session.get_one(PlanRow, plan_id), projects=sample_projects())
    for projects in (sample_projects(), sample_projects()[:2]):
        with factory() as session, session.begin():
            replace_projects(session=session, plan_row=session.get_one(PlanRow, plan_id), projects=projects,
                             reason="演示")  # fmt: skip
        for _ in range(2):  # the second request is answered from what the first remembered
            with factory() as session:
                stored = plan_ledger_figures(session=session, plan_id=plan_id, on=JUNE)
        pure = figures_by_unit(
            projects=projects, city="昭通市", counties=list(stored)[1:], year=2026, on=JUNE
        )
        assert stored == pure, len(projects)
