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
