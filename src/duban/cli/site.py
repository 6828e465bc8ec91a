"""`duban demo`, `duban serve`, `duban backup` and `duban restore`: the site as a whole."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from duban.cli.runtime import check_store, fail, get_settings, sessions, today, transaction

if TYPE_CHECKING:
    from duban.settings import Settings

# Seconds an idle connection is kept open: longer than clients and proxies keep theirs (httpx 5 s, nginx's
# upstream keepalive and cloud load balancers 60 s), so the client closes first. With uvicorn's 5 s, the server
# closed an idle connection just as a client reused it, and a busy event loop widens that window: the client
# got a reset for a save the server never read (status 599 in bench_load; 4 of 2,400 requests idling 4.8–5.2 s on a busy toy server, 0 at 75 s).
KEEP_ALIVE_SECONDS = 75
# Seconds a stopping server (SIGTERM) waits for the requests it has begun before it cancels them; a request
# already running its transaction in a thread still finishes (commits or rolls back) before the process ends.
GRACEFUL_STOP_SECONDS = 5


def demo(
    serve: bool = typer.Option(True, help="准备好数据后启动网页服务"),
    port: int | None = typer.Option(None, help="端口；默认 DUBAN_PORT"),
    host: str | None = typer.Option(
        None, help="监听地址（0.0.0.0 为所有网卡）；默认 DUBAN_HOST，即 127.0.0.1"
    ),
) -> None:
    """创建 SQLite 数据库，导入昭通市 2026 年计划和演示进度（及 2025 年全年数据），然后启动网页服务。"""
    from duban.cli import default_plan_path
    from duban.demo import generate_demo_last_year, generate_demo_ledger, generate_demo_progress
    from duban.persistence.migrate import upgrade
    from duban.plan.planfile import read_plan_file
    from duban.services.plan_loading import save_plan
    from duban.services.supervision_runs import apply_plan_rules
    from duban.services.users import ensure_demo_users

    settings = get_settings()
    upgrade(settings.sqlalchemy_url())
    plan = read_plan_file(default_plan_path())
    with transaction(settings) as session:
        row = save_plan(session=session, plan=plan)
        summary = generate_demo_progress(
            session=session, plan_row=row, plan=plan, today=today(settings), cutoff_day=settings.cutoff_day
        )
        projects = generate_demo_ledger(session=session, plan_row=row, today=today(settings))
        last = generate_demo_last_year(session=session, plan=plan, cutoff_day=settings.cutoff_day)
        accounts = ensure_demo_users(session=session, plan=plan, data_dir=settings.data_dir)
    typer.echo(
        f"演示数据：{len(plan.indicators())} 个指标，{summary.months} 个月，{summary.entries} 条填报，{projects} 个项目；"
        f"另有{last.year}年计划及全年12个月的已审核数据（用于同比和预测）。"
    )
    if summary.months:
        with sessions(settings) as factory:
            run = apply_plan_rules(factory=factory, settings=settings, period=str(summary.months))
        typer.echo(f"督办：{summary.months}月触发 {run.fired} 个情形，立单 {len(run.opened)} 件。")
    typer.echo(f"演示账号与密码见 {accounts}")
    if serve:
        _serve(settings, port, host=host)


def backup_command(file: Path = typer.Argument(..., help="备份文件")) -> None:
    """把整个站点备份为一个文件：数据库（在线备份或 pg_dump）、佐证与反馈文件、密钥。"""
    from duban.services.backup import BackupError, backup

    settings = get_settings()
    check_store(settings)
    try:
        summary = backup(settings=settings, target=file)
    except BackupError as exc:
        fail(str(exc))
    key = "，含密钥" if summary.key else ""
    typer.echo(f"已备份到 {file}（数据库、{summary.files} 个佐证与反馈文件{key}）")
    if summary.missing:
        typer.echo(
            f"注意：{len(summary.missing)} 个文件在存储中已不存在，未能备份：{'、'.join(summary.missing[:5])}"
        )


def restore_command(file: Path = typer.Argument(..., help="由 duban backup 写出的备份文件")) -> None:
    """用 duban backup 写出的备份替换当前数据库和文件。"""
    from duban.services.backup import BackupError, restore

    try:
        restore(settings=get_settings(), source=file)
    except BackupError as exc:
        fail(str(exc))
    typer.echo(f"已从 {file} 恢复")


def serve(
    port: int | None = typer.Option(None, help="端口；默认 DUBAN_PORT"),
    host: str | None = typer.Option(
        None, help="监听地址（0.0.0.0 为所有网卡）；默认 DUBAN_HOST，即 127.0.0.1"
    ),
    workers: int | None = typer.Option(
        None,
        min=1,
        max=64,
        help="服务进程数；默认每个 CPU 核一个（最多 8 个；SQLite 为 1 个），各进程分用 DUBAN_WORKER_THREADS 个连接",
    ),
) -> None:
    """在配置的数据库上启动网页服务。"""
    settings = get_settings()
    _serve(settings, port, host=host, workers=workers or default_workers(settings))


def default_workers(settings: Settings) -> int:
    """One server process per core this process may run on, at most 8: one process is bound to one core
    by Python's GIL, and a save costs CPU, so the month-end rush needs every core. On SQLite one: every
    write of the store takes one lock in turn, and a second process, polling for it in SQLite's busy
    handler, doubled each write's hold of it (80 reporters + 20 leaders: mean 12.8 ms in one process,
    28–30 ms in each of two; save p95 1,224 against 1,795 ms in the same sitting, bench/README)."""
    if settings.sqlalchemy_url().startswith("sqlite"):
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def _fit_pools(settings: Settings, workers: int) -> Settings:
    """The settings each of `workers` processes runs with: unless DUBAN_WORKER_THREADS is set, the processes
    share the default threads (at least 10 each); on PostgreSQL every pool is then shrunk to the process's
    part of DUBAN_DB_CONNECTION_SHARE, so no process opens a connection the server would refuse. The worker
    processes make their apps from the environment (`duban.web.asgi`), so the sizes are written there too."""
    from duban.persistence.pools import PoolSizes, TooFewConnections, pools_for

    threads = settings.worker_threads
    if workers > 1 and "worker_threads" not in settings.model_fields_set:
        threads = max(10, threads // workers)
    wanted = PoolSizes(threads=threads, read=settings.read_pool_size, overflow=settings.db_pool_overflow)
    try:
        sizes = pools_for(url=settings.sqlalchemy_url(), share=settings.db_connection_share, processes=workers,
                          wanted=wanted)  # fmt: skip
    except TooFewConnections as exc:
        fail(f"{exc}：请调大 PostgreSQL 的 max_connections 或 DUBAN_DB_CONNECTION_SHARE，或减少 --workers")
    fitted = {
        "worker_threads": sizes.threads,
        "read_pool_size": sizes.read,
        "db_pool_overflow": sizes.overflow,
    }
    if workers > 1:
        os.environ.update({f"DUBAN_{name.upper()}": str(value) for name, value in fitted.items()})
    return settings.model_copy(update=fitted)


def _serve(settings: Settings, port: int | None, *, host: str | None = None, workers: int = 1) -> None:
    import uvicorn

    from duban.settings import SharedKeyMissing
    from duban.web.app import create_app, settle_process

    check_store(settings)
    settings = _fit_pools(settings, workers)
    try:
        app = create_app(settings)
    except SharedKeyMissing as exc:
        fail(str(exc))

    port, host = port or settings.port, host or settings.host
    typer.echo(f"duban 已启动：http://{host}:{port}/" + (f"（{workers} 个进程）" if workers > 1 else ""))
    sys.stdout.flush()
    if workers == 1:
        settle_process(app)
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS,
                    timeout_graceful_shutdown=GRACEFUL_STOP_SECONDS)  # fmt: skip
        return
    # Each worker process makes its app from the same environment (`duban.web.asgi`); the app made above
    # checked the settings and, on SQLite, wrote the session key every worker then reads.
    for name in ("sessions", "reader_sessions"):
        getattr(app.state, name).kw["bind"].dispose()
    uvicorn.run("duban.web.asgi:app", host=host, port=port, workers=workers, log_level="warning",
                timeout_keep_alive=KEEP_ALIVE_SECONDS, timeout_graceful_shutdown=GRACEFUL_STOP_SECONDS)  # fmt: skip
