"""The demo ledger: reproducible, the plan's counts, the cluster's 82.67亿元, shares near 55% and 45%."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

from sqlalchemy.orm import Session

from builders import COUNTIES
from duban.demo import generate_demo_ledger
from duban.plan.planfile import read_plan_file
from duban.projects.demo import demo_projects
from duban.projects.figures import figures_by_unit
from duban.services.plan_loading import save_plan
from duban.services.projects import ledger_feeds

ON = date(2026, 9, 10)
PLAN_FILE = Path(__file__).parents[2] / "src/duban/data/plans/zhaotong-2026.yaml"


def test_the_demo_ledger_is_reproducible() -> None:
    assert demo_projects(counties=COUNTIES, year=2026, today=ON) == demo_projects(
        counties=COUNTIES, year=2026, today=ON
    )
    assert demo_projects(counties=COUNTIES, year=2026, today=ON, seed=1) != demo_projects(
        counties=COUNTIES, year=2026, today=ON
    )


def test_the_demo_ledger_has_the_plans_shape() -> None:
    projects = demo_projects(counties=COUNTIES, year=2026, today=ON)
    city = figures_by_unit(projects=projects, city="昭通市", counties=COUNTIES, year=2026, on=ON)["昭通市"]
    assert (city.projects, city.new_projects, city.continuing, city.two_major) == (1584, 1060, 524, 23)
    assert {p.county for p in projects} == set(COUNTIES)
    assert len({p.code for p in projects}) == len(projects)
    cluster = [p for p in projects if p.cluster]
    assert {p.county for p in cluster} == {"镇雄县"}
    assert (len(cluster), sum(p.total_investment for p in cluster)) == (10, D(8_267_000_000))
    assert all(p.year_plan <= p.total_investment for p in projects)


def test_the_demo_shares_are_near_but_not_on_the_targets() -> None:
    projects = demo_projects(counties=COUNTIES, year=2026, today=ON)
    city = figures_by_unit(projects=projects, city="昭通市", counties=COUNTIES, year=2026, on=ON)["昭通市"]
    assert city.industrial_share is not None and city.private_share is not None
    assert D(50) < city.industrial_share < D(60) and city.industrial_share != D(55)
    assert D(40) < city.private_share < D(50) and city.private_share != D(45)
    assert city.expected_rate - D(15) < (city.completion_rate or D(0)) < city.expected_rate


def test_no_investment_after_today() -> None:
    projects = demo_projects(counties=COUNTIES, year=2026, today=date(2026, 6, 29))
    assert max(m for p in projects for m in p.monthly) == 5
    assert all(p.dates(m).actual is None or p.dates(m).actual <= date(2026, 6, 29)  # type: ignore[operator]
               for p in projects for m in p.milestones)  # fmt: skip


def test_generate_demo_ledger_replaces_the_stored_ledger(session: Session) -> None:
    plan_row = save_plan(session=session, plan=read_plan_file(PLAN_FILE))
    assert generate_demo_ledger(session=session, plan_row=plan_row, today=ON) == 1584
    assert generate_demo_ledger(session=session, plan_row=plan_row, today=ON) == 1584
    feeds = ledger_feeds(session=session, plan_id=plan_row.id, on=ON)
    assert set(feeds) == {"A-01", "A-02", "A-03", "A-04", "A-05"}
    assert feeds["A-01"]["镇雄县"] == D(5)
    assert feeds["A-03"]["昭通市"] == sum(feeds["A-03"][c] for c in COUNTIES)
