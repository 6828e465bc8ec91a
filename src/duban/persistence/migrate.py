"""The migrations run with alembic, on the store at a URL: the one module that imports alembic's machinery."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from duban.persistence.db import ensure_sqlite_folder

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """Alembic's configuration for the store at `url` and the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the store at `url` to `revision` with the migrations shipped in the package."""
    if url.startswith("sqlite"):
        ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), revision)
