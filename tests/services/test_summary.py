"""The dashboard summary against the period overview on the 昭通 demo store: the same counts, lagging
list, ranking, areas, map values and 报送情况, month by month (with and without the demo ledger)."""

from __future__ import annotations

import dataclasses
import math
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conftest import BACKEND, _truncate_all
from duban.choices import IndicatorKind, Status
from duban.cli import default_plan_path
from duban.demo import generate_demo_ledger, generate_demo_progress
from duban.persistence.db import make_engine, session_factory
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.plan.planfile import read_plan_file
from duban.services.office import Basis
from duban.services.overview import IndicatorLine, Overview, indicator_view, period_overview
from duban.services.plan_loading import save_plan
from duban.services.plans import find_plan
from duban.services.revisions import revise_target
from duban.services.summary import DashboardSummary, dashboard_summary

TODAY = date(2026, 11, 28)
MONTHS = (1, 3, 6, 10, 11, 12)  # 12: nothing reported yet; 11: the newest month, partly reviewed


@pytest.fixture(scope="module", params=[False, True], ids=["entries", "ledger and revisions"])
def demo_store(request: pytest.FixtureRequest, migrated_template: str, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[sessionmaker[Session]]:  # fmt: skip
    """The 昭通 plan with demo progress to November, built once per module; with the demo project ledger
    feeding A-01..A-05 and target revisions from July in the second round."""
    url = migrated_template
    if BACKEND == "postgres":
        _truncate_all(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('summary') / 'demo.db'}"
        shutil.copyfile(migrated_template.removeprefix("sqlite:///"), url.removeprefix("sqlite:///"))
    engine = make_engine(url)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=TODAY)
        if request.param:
            generate_demo_ledger(session=session, plan_row=row, today=TODAY)
            _revise(session, row)
    yield factory
    engine.dispose()


# (indicator, unit or None for the city target, new value): a county share, a city-level count, a rate,
# a breakdown whose city target moves alone, and a single-county breakdown
REVISIONS = [("A-09", "昭阳区", 100), ("L01-2", None, 80000), ("L05-1", None, 80), ("A-03", None, 1100),
             ("A-01", None, 12)]  # fmt: skip


def _revise(session: Session, row: PlanRow) -> None:
    for code, unit, value in REVISIONS:
        indicator = session.scalars(select(IndicatorRow.id).where(IndicatorRow.code == code)).one()
        unit_id = (
            session.scalars(select(OrgUnitRow.id).where(OrgUnitRow.name == unit)).one() if unit else None
        )
        revise_target(session=session, indicator_id=indicator, unit_id=unit_id, new_value=Decimal(value),
                      effective_month=7, reason="人大调整", user_id=None)  # fmt: skip


@pytest.fixture
def session(demo_store: sessionmaker[Session]) -> Iterator[Session]:
    with demo_store() as session:
        yield session


@pytest.fixture
def demo(session: Session) -> PlanRow:
    row = find_plan(session=session)
    assert row is not None
    return row


@pytest.fixture(scope="module")
def computed(demo_store: sessionmaker[Session]) -> dict[int, tuple[Overview, DashboardSummary]]:
    """Month → (overview, summary), each computed once per store: the overview with the ledger is slow."""
    return {}


def _both(session: Session, row: PlanRow, month: int, cache: dict[int, tuple[Overview, DashboardSummary]]
          ) -> tuple[Overview, DashboardSummary]:  # fmt: skip
    if month not in cache:
        overview = period_overview(session=session, plan_row=row, month=month, today=TODAY)
        cache[month] = overview, dashboard_summary(session=session, plan_row=row, month=month, today=TODAY)
    return cache[month]


def _same(ours: Decimal | None, theirs: Decimal | None) -> bool:
    if ours is None or theirs is None:
        return ours is theirs
    return math.isclose(float(ours), float(theirs), rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("month", MONTHS)
def test_city_lines_counts_and_lagging_agree(
    session: Session, demo: PlanRow, computed: dict[int, tuple[Overview, DashboardSummary]], month: int
) -> None:
    overview, summary = _both(session, demo, month, computed)
    assert summary.status_counts() == overview.status_counts()
    assert summary.status_counts(include_aspirations=True) == overview.status_counts(include_aspirations=True)
    assert [line.indicator.id for line in summary.lagging()] == [
        line.indicator.id for line in overview.lagging()
    ]
    for theirs, ours in zip(overview.indicators, summary.indicators, strict=True):
        assert ours.indicator.id == theirs.indicator.id
        assert (ours.area, ours.task.title, ours.livelihood) == (theirs.area.name, theirs.task_title,
                                                                  theirs.area.livelihood)  # fmt: skip
        mine, judged = ours.judgement, theirs.judgement
        assert mine.status is judged.status, ours.indicator.id
        for a, b in ((mine.completion_pct, judged.completion_pct), (mine.expected_pct, judged.expected_pct),
                     (mine.gap_pp, judged.gap_pp)):  # fmt: skip
            assert _same(a, b), ours.indicator.id
        # a milestone's figure is the value its stage stands for, as in store.batch
        if theirs.indicator.kind is not IndicatorKind.MILESTONE:
            assert _same(ours.figure.value, theirs.figure.value), ours.indicator.id
        # the same units' earlier figures carried into the city's sum, with the same words
        assert [(c.unit, c.month) for c in ours.carried] == [(c.unit, c.month) for c in theirs.carried], (
            ours.indicator.id
        )
        assert all(_same(a.value, b.value) for a, b in zip(ours.carried, theirs.carried, strict=True))
        assert ours.carried_note == theirs.carried_note


def assert_pages_of_one_indicator(session: Session, row: PlanRow, overview: Overview) -> None:
    """Each indicator's page, built from its row of the judged period alone, holds the line the period overview
    builds for it (its area as the page shows it: the plan beside holds the page's breakdown alone)."""
    for line in overview.indicators:
        view = indicator_view(session=session, plan_row=row, month=overview.month, code=line.indicator.id,
                              basis=overview.basis)  # fmt: skip
        assert view is not None, line.indicator.id
        bare = {"tasks": []}
        assert view.line.area.model_copy(update=bare) == line.area.model_copy(update=bare)
        assert dataclasses.replace(view.line, area=line.area) == line, line.indicator.id
        assert (view.level, view.ranked, view.on, view.note) == (overview.level, overview.ranked, overview.on,
                                                                 overview.note)  # fmt: skip


def assert_lean_pages_agree(session: Session, row: PlanRow, full: Overview, today: date = TODAY) -> None:
    """The lean overview the indicator list and the ranked units' pages are built from shows what the full one
    (made on `today`) does: each city line, the ranking, the areas, 报送情况 and every ranked unit's lines and
    无此项任务."""
    lean = period_overview(
        session=session, plan_row=row, month=full.month, basis=full.basis, today=today, lean=True
    )

    def shown(line: IndicatorLine) -> tuple[object, ...]:
        return (line.indicator, line.area, line.task_title, line.figure, line.judgement, line.each, line.stage,
                line.carried, line.carried_note, line.row_id)  # fmt: skip

    assert [shown(line) for line in lean.indicators] == [shown(line) for line in full.indicators]
    assert (lean.rankings, lean.areas, lean.reporting) == (full.rankings, full.areas, full.reporting)
    for unit in full.ranked:
        lines = [[(line.indicator.id, u) for line, u in o.county_lines(unit)] for o in (lean, full)]
        assert lines[0] == lines[1], unit
        assert lean.no_task(unit) == full.no_task(unit)


@pytest.mark.parametrize("month", MONTHS)
def test_the_indicator_list_and_the_ranked_units_pages_show_the_full_overviews_figures(
    session: Session, demo: PlanRow, computed: dict[int, tuple[Overview, DashboardSummary]], month: int
) -> None:
    assert_lean_pages_agree(session, demo, _both(session, demo, month, computed)[0])


@pytest.mark.parametrize("month", MONTHS)
def test_the_page_of_each_indicator_holds_the_overviews_line(
    session: Session, demo: PlanRow, computed: dict[int, tuple[Overview, DashboardSummary]], month: int
) -> None:
    assert_pages_of_one_indicator(session, demo, _both(session, demo, month, computed)[0])


def test_the_page_of_each_indicator_holds_the_overviews_line_with_submitted_figures(
    session: Session, demo: PlanRow
) -> None:
    basis = Basis(include_submitted=True)
    overview = period_overview(session=session, plan_row=demo, month=11, basis=basis, today=TODAY)
    assert_pages_of_one_indicator(session, demo, overview)
    assert indicator_view(session=session, plan_row=demo, month=11, code="无此指标") is None


@pytest.mark.parametrize("month", MONTHS)
def test_ranking_areas_and_reporting_agree(
    session: Session, demo: PlanRow, computed: dict[int, tuple[Overview, DashboardSummary]], month: int
) -> None:
    overview, summary = _both(session, demo, month, computed)

    def ranked(view: Overview | DashboardSummary) -> list[tuple[object, ...]]:
        return [(r.unit, r.rank, round(float(r.score), 9), round(float(r.done_share), 9), r.total, r.good,
                 r.far_behind, r.not_reported) for r in view.rankings]  # fmt: skip

    assert ranked(summary) == ranked(overview)
    assert [(a.area, a.counts, a.total) for a in summary.areas] == [
        (a.area, a.counts, a.total) for a in overview.areas
    ]
    assert summary.reporting == overview.reporting


@pytest.mark.parametrize("month", (3, 11))
def test_map_values_agree(
    session: Session, demo: PlanRow, computed: dict[int, tuple[Overview, DashboardSummary]], month: int
) -> None:
    overview, summary = _both(session, demo, month, computed)
    choices = [
        (line.indicator.id, line.indicator.name) for line in overview.indicators if len(line.units) > 1
    ]
    assert summary.map_choices() == choices
    for line in (line for line in overview.indicators if len(line.units) > 1):
        theirs = {u.unit: (u.judgement.status, u.judgement.completion_pct, u.carried and u.carried.month)
                  for u in line.units}  # fmt: skip
        ours = {c.unit: (c.status, c.completion, c.carried_month)
                for c in summary.county_values(line.indicator.id) or []}  # fmt: skip
        assert ours.keys() == theirs.keys(), line.indicator.id
        for unit, (status, completion, carried) in ours.items():
            assert status is theirs[unit][0] and _same(completion, theirs[unit][1]), (line.indicator.id, unit)
            assert carried == theirs[unit][2], (line.indicator.id, unit)
    assert summary.county_values("没有这个指标") is None


def test_the_demo_has_something_to_agree_on(
    session: Session, demo: PlanRow, computed: dict[int, tuple[Overview, DashboardSummary]]
) -> None:
    _, summary = _both(session, demo, 11, computed)
    counts = summary.status_counts()
    assert sum(counts.values()) > 40 and counts[Status.NOT_REPORTED] < sum(counts.values())
    assert summary.lagging() and len(summary.rankings) == 11
    assert len({r.score for r in summary.rankings}) > 1
    assert any(r.submitted > r.approved for r in summary.reporting)  # some figures await review
    assert any(line.carried for line in summary.indicators)  # and some city sums carry an earlier month
