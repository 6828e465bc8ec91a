"""A backup of a live store restores every figure exactly, on SQLite and PostgreSQL."""

import subprocess
from datetime import date

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from duban.cli import default_plan_path
from duban.demo import generate_demo_progress
from duban.persistence.models import EntryRow
from duban.plan.planfile import read_plan_file
from duban.services.backup import BackupError, backup, restore
from duban.services.overview import period_overview
from duban.services.plan_loading import save_plan
from duban.services.plans import find_plan
from duban.settings import Settings


def _figures(factory):
    with factory() as session:
        overview = period_overview(session=session, plan_row=find_plan(session=session), month=10)
        return [(line.indicator.id, line.figure, line.judgement.status,
                 [(u.unit, u.figure, u.state) for u in line.units]) for line in overview.indicators]  # fmt: skip


def test_backup_then_restore_gives_back_every_figure(factory, engine, db_url, tmp_path):
    plan = read_plan_file(default_plan_path())
    with factory() as session, session.begin():
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date(2026, 11, 29))
    before = _figures(factory)
    engine.dispose()
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="k")
    archive = backup(settings=settings, target=tmp_path / "duban.backup").path
    with factory() as session, session.begin():
        session.execute(delete(EntryRow))
    assert _figures(factory) != before
    engine.dispose()
    restore(settings=settings, source=archive)
    assert _figures(factory) == before


def test_restore_refuses_what_is_not_a_backup(db_url, tmp_path):
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="k")
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        restore(settings=settings, source=junk)
    with pytest.raises(BackupError, match="不存在"):
        restore(settings=settings, source=tmp_path / "missing.backup")


def test_postgresql_tools_get_the_password_in_their_environment_never_on_their_command_line(
    engine, db_url, tmp_path, monkeypatch
):
    if db_url.startswith("sqlite"):
        pytest.skip("pg_dump and pg_restore: PostgreSQL")
    secret = "s3cret-Pw"  # the test server trusts every local login and ignores it
    url = make_url(db_url).set(password=secret).render_as_string(hide_password=False)
    settings = Settings(database_url=url, data_dir=tmp_path / "data", secret_key="k")
    started: list[tuple[list[str], dict[str, str]]] = []
    run = subprocess.run

    def watched(command, **options):
        started.append((command, options.get("env") or {}))
        return run(command, **options)

    monkeypatch.setattr(subprocess, "run", watched)
    engine.dispose()
    restore(settings=settings, source=backup(settings=settings, target=tmp_path / "duban.backup").path)
    assert [command[0] for command, _ in started] == ["pg_dump", "pg_restore"]
    assert not [command for command, _ in started if secret in " ".join(command)]  # `ps` shows every argument
    assert [env.get("PGPASSWORD") for _, env in started] == [secret, secret]
