"""Alembic environment: runs duban's migrations on the URL the caller configured."""

from __future__ import annotations

from alembic import context

import duban.persistence.project_models  # noqa: F401  (registers the ledger's tables)
from duban.persistence import (
    reporting_models,  # noqa: F401  (registers the reporting tables)
    revision_models,  # noqa: F401  (registers the target revisions)
    supervision_models,  # noqa: F401  (registers the supervision tables)
)
from duban.persistence.db import make_engine
from duban.persistence.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a batch migration rebuilds a table others refer to; the references are checked after
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
            raise RuntimeError("migration left rows referring to missing rows")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
