"""The migrations are the schema: one head, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from duban.persistence.db import alembic_config
from duban.persistence.models import Base


def test_there_is_one_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, heads


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

    from duban.persistence.db import make_engine, session_factory, upgrade
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
