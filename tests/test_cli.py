"""The command line, run as a user would: `duban …` in a fresh data folder."""

from __future__ import annotations

import gc
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from duban.cli import app, default_plan_path

DATA = Path(__file__).parent / "data" / "plans"
runner = CliRunner()


@pytest.fixture
def env(tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DUBAN_DATABASE_URL", db_url)
    monkeypatch.setenv("DUBAN_TODAY", "2026-07-10")
    from duban.settings import get_settings

    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_help_lists_every_command_with_one_line():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "plan", "demo", "serve"):
        assert command in result.output


def test_the_console_script_leaves_its_objects_to_the_exit_not_to_the_collector():
    """`duban` freezes its heap once the command is done: the interpreter's exit then frees it without walking
    it for cycles first (0.3–0.5 s after `duban report` wrote its files, bench/README "Session 18")."""
    script = "import gc, sys, duban.cli\nsys.argv = ['duban', '--help']\ntry:\n    duban.cli.main()\nfinally:\n    print(gc.get_freeze_count())"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 10_000  # every object of the imported modules, frozen


def test_plan_check_passes_the_default_plan():
    result = runner.invoke(app, ["plan", "check", str(default_plan_path())])
    assert result.exit_code == 0, result.output
    assert "55 个指标" in result.output


def test_plan_check_reports_one_error_per_fault_and_loads_nothing(env, db_url):
    broken = DATA / "zhaotong-2026-four-faults.yaml"
    result = runner.invoke(app, ["plan", "check", str(broken)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith(str(broken))]
    assert len(errors) == 4, result.output
    load = runner.invoke(app, ["plan", "load", str(broken)])
    assert load.exit_code == 1
    assert "未导入任何内容" in load.output


def test_plan_load_twice_then_export_round_trips(env, db_url):
    assert runner.invoke(app, ["plan", "load"]).exit_code == 0
    assert runner.invoke(app, ["plan", "load"]).exit_code == 0
    out = env / "exported.yaml"
    result = runner.invoke(app, ["plan", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    check = runner.invoke(app, ["plan", "check", str(out)])
    assert check.exit_code == 0, check.output


def test_plan_load_again_shows_the_diff_and_changes_only_with_yes(env, db_url):
    assert runner.invoke(app, ["plan", "load"]).exit_code == 0
    same = runner.invoke(app, ["plan", "load"])
    assert same.exit_code == 0 and "没有变化" in same.output, same.output
    edited = env / "edited.yaml"
    text = default_plan_path().read_text(encoding="utf-8")
    edited.write_text(text.replace("target: 86\n", "target: 87\n", 1), encoding="utf-8")
    shown = runner.invoke(app, ["plan", "load", str(edited), "--from", "7"])
    assert shown.exit_code == 0 and "修改 L05-1" in shown.output and "目标值 86 → 87" in shown.output, (
        shown.output
    )
    assert "未更改" in shown.output and "自 7 月起生效" in shown.output
    exported = runner.invoke(app, ["plan", "export"])
    assert "target: 87" not in exported.output
    applied = runner.invoke(app, ["plan", "load", str(edited), "--from", "7", "--yes"])
    assert applied.exit_code == 0 and "已修订计划" in applied.output, applied.output
    assert "target: 87" in runner.invoke(app, ["plan", "export"]).output
    undone = runner.invoke(app, ["plan", "undo"])
    assert undone.exit_code == 0 and "已撤销计划修订" in undone.output, undone.output
    assert "target: 87" not in runner.invoke(app, ["plan", "export"]).output
    assert runner.invoke(app, ["plan", "undo"]).exit_code == 1


def test_demo_builds_the_store_without_serving(env, db_url):
    result = runner.invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "55 个指标" in result.output and "6 个月" in result.output
    accounts = (env / "data" / "demo-accounts.txt").read_text(encoding="utf-8")
    assert "admin" in accounts and "county08" in accounts
    assert (
        "dept01\t" in accounts and "市发展改革委" in accounts
    )  # a department's reporter (leads the most indicators)
    if db_url.startswith("sqlite"):
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as db:
            assert db.execute("select count(*) from entry").fetchone()[0] > 1000


def test_user_add_disable_reset(env, db_url):
    added = runner.invoke(app, ["user", "add", "zx01", "--role", "reporter", "--unit", "镇雄县"])
    assert added.exit_code == 1 and "单位“镇雄县”不存在" in added.output  # no plan loaded yet
    runner.invoke(app, ["plan", "load"])
    added = runner.invoke(app, ["user", "add", "zx01", "--role", "填报员", "--unit", "镇雄县"])
    assert added.exit_code == 0, added.output
    assert "初始密码" in added.output
    again = runner.invoke(app, ["user", "add", "zx01", "--role", "reporter", "--unit", "镇雄县"])
    assert again.exit_code == 1 and "已存在" in again.output
    assert runner.invoke(app, ["user", "disable", "zx01"]).exit_code == 0
    assert runner.invoke(app, ["user", "reset", "zx01"]).exit_code == 0
    assert runner.invoke(app, ["user", "reset", "nobody"]).exit_code == 1


@pytest.fixture
def pool_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool sizes `duban serve` writes for its worker processes are unset again after the test."""
    for name in ("DUBAN_WORKER_THREADS", "DUBAN_READ_POOL_SIZE", "DUBAN_DB_POOL_OVERFLOW"):
        monkeypatch.setenv(name, "0")
        monkeypatch.delenv(name)


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_runs_as_many_server_processes_as_asked(env, db_url, monkeypatch, pool_environment, workers):
    """`duban serve --workers 2`: uvicorn starts two processes, each making its app from the environment."""
    import uvicorn

    from duban.settings import get_settings

    shared_key = db_url.startswith("postgresql")  # PostgreSQL requires DUBAN_SECRET_KEY: no key file then
    if shared_key:
        monkeypatch.setenv("DUBAN_SECRET_KEY", "one key for every server")
        get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    started: list[tuple[object, dict[str, object]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: started.append(
        (target, options | {"frozen": gc.get_freeze_count()})))  # fmt: skip
    try:
        result = runner.invoke(app, ["serve", "--port", "8765", "--workers", str(workers)])
    finally:
        gc.unfreeze()  # the test process goes on collecting what it made
    assert result.exit_code == 0, result.output
    [(target, options)] = started
    assert options["port"] == 8765 and options["host"] == "127.0.0.1"
    assert options["timeout_keep_alive"] > 60  # clients and proxies close idle connections first
    if workers == 1:
        assert not isinstance(target, str) and "workers" not in options
        assert options["frozen"], "what the imports made is kept out of the collector's walks before serving"
    else:
        assert (target, options["workers"]) == ("duban.web.asgi:app", 2)
        assert "2 个进程" in result.output
        if not shared_key:
            assert (env / "data" / "secret.key").exists()  # written once, before the workers read it


def test_serve_splits_the_connections_between_its_processes(env, db_url, monkeypatch, pool_environment):
    """`duban serve` with two processes (one per core, PostgreSQL's default here): the default worker
    threads and write pool split between them; DUBAN_WORKER_THREADS set by hand is kept per process."""
    import os

    import uvicorn

    from duban.persistence import pools
    from duban.settings import get_settings

    monkeypatch.setenv("DUBAN_SECRET_KEY", "one key for every server")
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(pools, "server_connection_limit", lambda _url: None)  # the split, not the fit
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: started.append(options))
    assert runner.invoke(app, ["serve", "--workers", "2"]).exit_code == 0
    assert started[0]["workers"] == 2 and os.environ["DUBAN_WORKER_THREADS"] == "20"
    monkeypatch.setenv("DUBAN_WORKER_THREADS", "12")
    get_settings.cache_clear()
    assert runner.invoke(app, ["serve", "--workers", "2"]).exit_code == 0
    assert started[1]["workers"] == 2 and os.environ["DUBAN_WORKER_THREADS"] == "12"
    get_settings.cache_clear()


def test_serve_fits_every_process_into_its_share_of_the_databases_connections(
    env, db_url, monkeypatch, pool_environment
):
    """A PostgreSQL server allowing 40 connections (3 kept for superusers): half of the 32 left after the
    reserve for this server, 8 for each of its 2 processes: 4 threads, a read connection, 1 overflow for each
    pool and the event loop's own; with fewer than one thread's worth the server is not started."""
    import os

    import uvicorn

    from duban.persistence import pools
    from duban.settings import get_settings

    monkeypatch.setenv("DUBAN_SECRET_KEY", "one key for every server")
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setattr(pools, "server_connection_limit", lambda _url: (40, 3))
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: None)
    assert runner.invoke(app, ["serve", "--workers", "2"]).exit_code == 0
    sizes = [os.environ[f"DUBAN_{name}"] for name in ("WORKER_THREADS", "READ_POOL_SIZE", "DB_POOL_OVERFLOW")]
    assert sizes == ["4", "1", "1"]
    refused = runner.invoke(app, ["serve", "--workers", "8"])
    assert refused.exit_code == 1 and "max_connections" in refused.output
    get_settings.cache_clear()


def test_serve_listens_on_the_address_and_port_asked(env, db_url, monkeypatch):
    """`duban serve --host 0.0.0.0 --port 8080`, as the README tells an office to reach it from other machines."""
    import uvicorn

    from duban.settings import get_settings

    monkeypatch.setenv("DUBAN_SECRET_KEY", "one key for every server")
    get_settings.cache_clear()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: started.append(options))
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "8080"])
    assert result.exit_code == 0, result.output
    assert (started[0]["host"], started[0]["port"]) == ("0.0.0.0", 8080)
    assert "http://0.0.0.0:8080/" in result.output


def test_plan_load_refuses_a_parent_neither_in_the_plan_nor_the_store_and_loads_nothing(env, db_url):
    text = default_plan_path().read_text(encoding="utf-8")
    orphan = env / "orphan.yaml"
    orphan.write_text(text.replace('{name: 昭通市, kind: city, code: "530600"}',
                                   '{name: 昭通市, kind: city, code: "530600", parent: "530000"}'), encoding="utf-8")  # fmt: skip
    line = next(
        n for n, row in enumerate(orphan.read_text(encoding="utf-8").splitlines(), 1) if "530000" in row
    )
    load = runner.invoke(app, ["plan", "load", str(orphan)])
    assert load.exit_code == 1 and isinstance(load.exception, SystemExit), load.output  # no traceback
    assert f"{orphan}:{line}: units[昭通市].parent（上级单位）：" in load.output
    assert "上级单位“530000”既不是本计划中的单位，也不是数据库中已有单位的名称或代码" in load.output
    assert "Traceback" not in load.output and "未导入任何内容" in load.output
    added = runner.invoke(app, ["user", "add", "zx01", "--role", "reporter", "--unit", "镇雄县"])
    assert added.exit_code == 1 and "单位“镇雄县”不存在" in added.output  # no unit was stored


@pytest.mark.parametrize(
    ("url", "processes"),
    [("sqlite:////tmp/duban.db", 1), ("postgresql+psycopg://duban@db/duban", 2)],
)
def test_serve_runs_a_process_per_core_but_one_on_sqlite(
    monkeypatch: pytest.MonkeyPatch, url: str, processes: int
) -> None:
    """SQLite's writes take one lock in turn: a second process only doubled each write's hold of it."""
    from duban.cli.site import default_workers
    from duban.settings import Settings

    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1})
    assert default_workers(Settings(database_url=url)) == processes
