"""Every command fails politely: no store, a store behind the migrations, an unreachable database.

The commands are read from the Typer app itself, so a new command is checked without being listed here.
Each is run in-process (the app's own error handling is what the console script runs) with minimal
valid-looking arguments, and must print one Chinese line on stderr, exit non-zero and show no traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from alembic import command as alembic
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from duban.cli import app, default_plan_path
from duban.persistence.db import make_engine
from duban.persistence.migrate import alembic_config, upgrade
from duban.settings import get_settings

BACKEND = os.environ.get("DUBAN_TEST_DB", "sqlite")
UNREACHABLE = "postgresql+psycopg://x@127.0.0.1:1/x"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Commands that make a store: in an empty folder or on an old store they are what the message tells you to run.
MAKERS = {"db upgrade", "demo"}
# Commands that need no store: they must work in every condition.
NO_STORE = {"plan check": [str(default_plan_path())],
            "ingest": [str(Path(__file__).parent / "data" / "ingest" / "qingxi-2026-county.gb18030.txt")]}  # fmt: skip
VALUES = {"period": "2026-06", "unit": "镇雄县", "role": "admin", "from_month": "2026-07", "indicator": "A-03",
          "value": "1100", "username": "zhang", "date": "2026-06-30"}  # fmt: skip
HEAVY = ("sqlalchemy", "fastapi", "openpyxl", "docx", "weasyprint", "numpy", "alembic", "pydantic_settings")


def app_commands(
    group: typer.core.TyperGroup | None = None, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, typer.core.TyperCommand]]:
    """Every command of the app as ("plan load", the click command)."""
    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from app_commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def arguments(name: str, params: list, folder: Path) -> list[str]:
    """Minimal valid-looking arguments: every required argument and option, no more."""
    if name in NO_STORE:
        return NO_STORE[name]
    args: list[str] = []
    for param in params:
        if not param.required:
            continue
        number = getattr(getattr(param, "type_descriptor", None), "annotation", None) in (int, float)
        fallback = "2026" if number else str(folder / f"{param.name}.xlsx")
        value = VALUES.get(param.name, fallback)
        args += [value] if param.param_type_name == "argument" else [param.opts[0], value]
    return args


ALL = sorted(((name, command.params) for name, command in app_commands()), key=lambda pair: pair[0])
STORE_USERS = [c for c in ALL if c[0] not in MAKERS]


def test_every_command_is_checked():
    names = [name for name, _ in ALL]
    assert {"report", "serve", "plan load", "user add", "supervise remind", "ledger figures"} <= set(names)
    assert len(names) >= 22


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Iterator[Path]:
    """An empty folder, the working directory, with no store in it."""
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("DUBAN_DATABASE_URL", raising=False)
    monkeypatch.setenv("DUBAN_DATA_DIR", str(folder / "duban-data"))
    monkeypatch.setenv("DUBAN_TODAY", "2026-07-10")
    monkeypatch.delenv("DUBAN_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def behind(tmp_path_factory) -> Iterator[str]:
    """A store one migration behind the newest (SQLite: a file to copy; PostgreSQL: a database of its own)."""
    if BACKEND == "postgres":
        admin_url = os.environ.get("DUBAN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
        name = f"duban_behind_{uuid.uuid4().hex[:8]}"
        admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('behind') / 'duban.db'}"
    upgrade(url)
    alembic.downgrade(alembic_config(url), "-1")
    yield url
    if BACKEND == "postgres":
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(name: str, params: list, folder: Path) -> tuple[int, str, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, [*name.split(), *arguments(name, params, folder)])
    return result.exit_code, result.stdout, result.stderr


def assert_polite(name: str, code: int, out: str, err: str) -> None:
    said = f"duban {name}: exit {code}\nstdout: {out}\nstderr: {err}"
    if name in NO_STORE:
        assert code == 0 and "Traceback" not in out + err, said
        return
    assert code != 0, said
    assert "Traceback" not in out + err, said
    lines = err.strip().splitlines()
    assert len(lines) == 1 and CHINESE.search(lines[0]), said


@pytest.mark.parametrize(("name", "params"), STORE_USERS, ids=[name for name, _ in STORE_USERS])
def test_no_store_in_an_empty_folder(name, params, folder):
    code, out, err = run(name, params, folder)
    assert_polite(name, code, out, err)
    if name not in NO_STORE:
        assert "duban db upgrade" in err or "duban backup" in err or "备份" in err, err
    assert not (folder / "duban-data" / "duban.db").exists(), "a failed command made a store"


@pytest.mark.parametrize(("name", "params"), STORE_USERS, ids=[name for name, _ in STORE_USERS])
def test_an_empty_sqlite_file(name, params, folder):
    (folder / "duban-data").mkdir()
    (folder / "duban-data" / "duban.db").touch()
    assert_polite(name, *run(name, params, folder))


@pytest.mark.parametrize(("name", "params"), STORE_USERS, ids=[name for name, _ in STORE_USERS])
def test_a_store_behind_the_migrations(name, params, folder, behind, monkeypatch):
    url = behind
    if BACKEND != "postgres":
        url = f"sqlite:///{folder / 'behind.db'}"
        shutil.copyfile(behind.removeprefix("sqlite:///"), folder / "behind.db")
    monkeypatch.setenv("DUBAN_DATABASE_URL", url)
    monkeypatch.setenv("DUBAN_SECRET_KEY", "k" * 32)
    code, out, err = run(name, params, folder)
    assert_polite(name, code, out, err)
    if name not in NO_STORE and name != "restore":
        assert "duban db upgrade" in err, err


@pytest.mark.parametrize(("name", "params"), ALL, ids=[name for name, _ in ALL])
def test_an_unreachable_database(name, params, folder, monkeypatch):
    monkeypatch.setenv("DUBAN_DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("DUBAN_SECRET_KEY", "k" * 32)
    code, out, err = run(name, params, folder)
    assert_polite(name, code, out, err)
    if name not in NO_STORE and name != "restore":
        assert "无法连接数据库" in err and "DUBAN_DATABASE_URL" in err, err


def test_db_upgrade_brings_a_store_behind_to_the_newest(folder, behind, monkeypatch):
    if BACKEND == "postgres":
        pytest.skip("the PostgreSQL store behind is shared by the tests above")
    shutil.copyfile(behind.removeprefix("sqlite:///"), folder / "behind.db")
    monkeypatch.setenv("DUBAN_DATABASE_URL", f"sqlite:///{folder / 'behind.db'}")
    params = dict(ALL)
    assert run("plan export", params["plan export"], folder)[0] == 1
    assert run("db upgrade", params["db upgrade"], folder)[0] == 0
    code, _, err = run("plan export", params["plan export"], folder)
    assert code == 1 and "还没有计划" in err, err


def console(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """duban as the console script runs it, in a process of its own."""
    return subprocess.run([sys.executable, "-m", "duban.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, check=False)  # fmt: skip


def test_the_console_script_fails_politely(tmp_path):
    empty = console(
        "report", "--period", "2026-06", cwd=tmp_path, env={"DUBAN_DATA_DIR": str(tmp_path / "d")}
    )
    assert empty.returncode == 1 and "Traceback" not in empty.stderr
    assert empty.stderr.strip() == "尚未初始化数据库：请先运行 duban db upgrade（或 duban demo 生成演示数据）"
    down = console(
        "serve", cwd=tmp_path, env={"DUBAN_DATABASE_URL": UNREACHABLE, "DUBAN_SECRET_KEY": "k" * 32}
    )
    assert down.returncode == 1 and "Traceback" not in down.stderr
    assert down.stderr.strip().startswith("无法连接数据库 postgresql+psycopg://x@127.0.0.1:1/x"), down.stderr


def test_help_imports_none_of_the_heavy_modules():
    probe = (
        "import sys\nsys.argv = ['duban', '--help']\nfrom duban.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert "HEAVY []" in result.stdout, result.stdout
    assert "ingest" in result.stdout and "生成" in result.stdout  # the commands' help is there, in Chinese


def test_every_command_is_described_in_chinese():
    for name, _ in ALL:
        result = CliRunner().invoke(app, [*name.split(), "--help"])
        assert result.exit_code == 0, result.output
        description = result.stdout.split("\n\n")[1]
        assert CHINESE.search(description), f"duban {name}: {description}"
