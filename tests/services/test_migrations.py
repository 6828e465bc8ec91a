"""The migrations are the schema: one head, and they match the models."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from duban.persistence.db import HEADS, SHIPPED_REVISIONS, StoreState, schema_state
from duban.persistence.migrate import alembic_config
from duban.persistence.models import Base


def test_there_is_one_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


def test_the_revisions_a_store_is_checked_against_are_the_scripts():
    """A new migration names itself in `SHIPPED_REVISIONS` and `HEADS` too (the store check reads no script)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert set(scripts.get_heads()) == HEADS
    assert {script.revision for script in scripts.walk_revisions()} == SHIPPED_REVISIONS


def test_no_migration_imports_the_applications_code():
    """A migration runs against the schema of its revision: today's code may read columns it does not have yet
    (0015 and 0017 built their blocks with the code of the day until 2026-12-07; now they hold it frozen)."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    importing = [s.revision for s in scripts.walk_revisions() if _imports_duban(s.path)]
    assert importing == []


def _imports_duban(path: str) -> bool:
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    named = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    named += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    return any(name == "duban" or name.startswith("duban.") for name in named)


@pytest.mark.parametrize(
    ("recorded", "state"),
    [(["0019"], StoreState.READY), (["0018"], StoreState.BEHIND), (["0002_reporting", "0003"], StoreState.BEHIND),
     (["0099"], StoreState.AHEAD), ([], StoreState.EMPTY)],
)  # fmt: skip
def test_the_store_state_from_alembics_version_table(engine, recorded, state):
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM alembic_version"))
            for revision in recorded:
                connection.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})
        assert schema_state(engine) is state
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM alembic_version"))
            connection.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": min(HEADS)})


def test_a_command_checks_the_store_without_importing_alembic(migrated_template):
    check = "import sys; from duban.cli.runtime import check_store; check_store(); print('alembic' in sys.modules)"
    env = dict(os.environ, DUBAN_DATABASE_URL=migrated_template)
    done = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr


def test_migrations_match_the_models(engine):
    from duban.persistence import project_models, reporting_models, supervision_models  # noqa: F401

    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_the_year_close_migration_keeps_a_stores_plans_open(db_url):
    """A store of the previous release (0012) with a plan is upgraded: the plan is kept, open, and can be closed."""
    from datetime import UTC, date, datetime

    from alembic import command
    from sqlalchemy import text

    from duban.persistence.db import make_engine, session_factory
    from duban.persistence.migrate import upgrade
    from duban.persistence.models import PlanRow
    from duban.services.yearclose import close_year

    command.downgrade(alembic_config(db_url), "0012")
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO plan (region, year, title, thresholds, loaded_at) "
                                    "VALUES ('昭通市', 2026, '昭通市2026年重点工作', '{}', :at)"), {"at": datetime.now(UTC)})  # fmt: skip
        upgrade(db_url)
        with session_factory(engine)() as session:
            plan = session.query(PlanRow).one()
            assert (plan.title, plan.closed_at, plan.closed_by) == ("昭通市2026年重点工作", None, None)
            assert close_year(
                session=session, plan_row=plan, user_id=None, today=date(2027, 1, 10), reason="年终考核"
            )
            assert plan.closed_at is not None
    finally:
        engine.dispose()
