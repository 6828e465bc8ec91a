"""A store of the release before years and levels (schema 0011: units by name, no year close, no figure or
target blocks) holding a city's half year — the 昭通 plan, its demo figures through June, the project ledger,
a user — is upgraded to today's schema: every row is kept, and June is judged as it was before."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from duban.choices import Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_ledger, generate_demo_progress
from duban.persistence.db import make_engine, session_factory, transaction
from duban.persistence.migrate import alembic_config, upgrade
from duban.persistence.models import PlanRow
from duban.persistence.readcache import bypassed
from duban.plan.planfile import read_plan_file
from duban.services.overview import period_overview
from duban.services.plan_loading import save_plan
from duban.services.summary import dashboard_summary
from duban.services.users import add_user

TODAY = date(2026, 7, 10)
SKIPPED = {"alembic_version", "generation"}  # not the user's data: the upgrade may add counters


def _june(session: Session) -> tuple[str, str]:
    """June as the dashboard and the overview judge it, every field that compares."""
    row = session.scalars(select(PlanRow)).one()
    summary = dashboard_summary(session=session, plan_row=row, month=6, today=TODAY)
    return repr(summary), repr(period_overview(session=session, plan_row=row, month=6).indicators)


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            names = set(inspect(connection).get_table_names()) - SKIPPED
            return {
                name: connection.scalar(select(func.count()).select_from(text(f'"{name}"'))) for name in names
            }
    finally:
        engine.dispose()


def test_a_store_of_the_release_before_keeps_its_rows_and_judges_june_the_same(db_url, engine, factory):
    with transaction(factory) as session:
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=TODAY)
        generate_demo_ledger(session=session, plan_row=row, today=TODAY)
        add_user(session=session, username="zhenxiong", password="x" * 12, role=Role.REPORTER, unit="镇雄县")
    with factory() as session, bypassed():
        before = _june(session)
    engine.dispose()

    command.downgrade(alembic_config(db_url), "0011")
    old_rows = _row_counts(db_url)
    assert old_rows["entry"] > 1000 and "figure_block" not in old_rows and "target_block" not in old_rows
    upgrade(db_url)

    assert {name: n for name, n in _row_counts(db_url).items() if name in old_rows} == old_rows
    upgraded = make_engine(db_url)
    try:
        with session_factory(upgraded)() as session, bypassed():
            assert _june(session) == before
    finally:
        upgraded.dispose()
