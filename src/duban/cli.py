"""duban's command line: thin commands over the service functions."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from datetime import date
from importlib import resources
from pathlib import Path

import typer
from sqlalchemy.orm import Session, sessionmaker

from duban.exchange.command import import_command, template_command
from duban.ingest.command import ingest_command
from duban.plan.planfile import PlanFileError, dump_plan, read_plan_file
from duban.projects.command import ledger_export, ledger_figures, ledger_import
from duban.reports.command import report_command
from duban.settings import Settings, get_settings
from duban.store.plan_revision_command import load_command, undo_command
from duban.store.revision_command import revise_command
from duban.supervision.command import run_rules, send_reminders

app = typer.Typer(help="duban 督办:年度工作计划的目标分解、进度报送、督查督办与通报。", no_args_is_help=True)
db_app = typer.Typer(help="数据库:迁移与检查。", no_args_is_help=True)
plan_app = typer.Typer(help="计划文件:检查、导入、导出。", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(plan_app, name="plan")
supervise_app = typer.Typer(help="督办:按规则立单、提醒。", no_args_is_help=True)
app.add_typer(supervise_app, name="supervise")
ledger_app = typer.Typer(help="项目台账:导入、导出、统计。", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
plan_app.command("revise")(revise_command)
plan_app.command("load")(load_command)
plan_app.command("undo")(undo_command)
user_app = typer.Typer(help="账号:新增、停用、重置密码。", no_args_is_help=True)
app.add_typer(user_app, name="user")


def default_plan_path() -> Path:
    """The 昭通 2026 plan shipped with duban."""
    return Path(str(resources.files("duban") / "data" / "plans" / "zhaotong-2026.yaml"))


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the store to the newest schema (run once per release)."""
    from duban.store.db import upgrade

    settings = get_settings()
    upgrade(settings.sqlalchemy_url())
    typer.echo(f"数据库已升级到最新版本:{_safe_url(settings.sqlalchemy_url())}")


@plan_app.command("check")
def plan_check(file: Path) -> None:
    """Check a plan file; print one line per fault and exit 1 if there are any."""
    try:
        plan = read_plan_file(file)
    except PlanFileError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        _fail(f"共 {len(exc.problems)} 处错误,未导入任何内容。")
        return
    typer.echo(f"{file}: 通过检查,{len(plan.areas)} 个方面,{len(plan.indicators())} 个指标。")


@plan_app.command("export")
def plan_export(
    output: Path | None = typer.Option(None, "-o", "--output", help="写入的文件;默认输出到屏幕"),
    year: int | None = typer.Option(None, help="计划年度;默认为最新计划"),
) -> None:
    """Write the stored plan back out as a plan file."""
    from duban.store.plans import find_plan, plan_from_store

    with _transaction(get_settings()) as session:
        row = find_plan(session=session, year=year)
        if row is None:
            _fail("数据库中还没有计划,请先运行 duban plan load")
            return
        text = dump_plan(plan_from_store(session=session, plan_row=row))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


app.command("ingest")(ingest_command)
app.command("report")(report_command)
app.command("template")(template_command)
app.command("import")(import_command)
supervise_app.command("run")(run_rules)
supervise_app.command("remind")(send_reminders)
ledger_app.command("import")(ledger_import)
ledger_app.command("export")(ledger_export)
ledger_app.command("figures")(ledger_figures)


@user_app.command("add")
def user_add(
    username: str,
    role: str = typer.Option(..., help="admin(督查室)/ reporter(填报员)/ leader(领导)"),
    unit: str | None = typer.Option(None, help="填报员所属单位,如 镇雄县"),
    name: str | None = typer.Option(None, help="显示名称"),
    email: str | None = typer.Option(None, help="接收督办提醒的邮箱"),
) -> None:
    """Create an account with a random password, printed once (there is never a default password)."""
    from duban.choices import Role
    from duban.store.users import AccountError, add_user, new_password

    password = new_password()
    try:
        chosen = Role.from_label(role)
        with _transaction(get_settings()) as session:
            add_user(session=session, username=username, password=password, role=Role(chosen),
                     unit=unit, display_name=name, email=email)  # fmt: skip
    except (AccountError, ValueError) as exc:
        _fail(f"未能创建账号:{exc}")
    typer.echo(f"已创建账号 {username},初始密码(只显示这一次):{password}")


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable an account; its sessions end at once."""
    from duban.store.users import AccountError, set_active

    try:
        with _transaction(get_settings()) as session:
            set_active(session=session, username=username, active=False)
    except AccountError as exc:
        _fail(str(exc))
    typer.echo(f"已停用账号 {username}")


@user_app.command("reset")
def user_reset(username: str) -> None:
    """Give an account a new random password, printed once."""
    from duban.store.users import AccountError, new_password, set_password

    password = new_password()
    try:
        with _transaction(get_settings()) as session:
            set_password(session=session, username=username, password=password)
            from duban.store.users import set_active

            set_active(session=session, username=username, active=True)
    except AccountError as exc:
        _fail(str(exc))
    typer.echo(f"已重置 {username} 的密码(只显示这一次):{password}")


@app.command("demo")
def demo(
    serve: bool = typer.Option(True, help="准备好数据后启动网页服务"),
    port: int | None = typer.Option(None, help="端口;默认 DUBAN_PORT"),
) -> None:
    """Create the SQLite store with the 昭通 2026 plan and demo progress, then start the web server."""
    from duban.demo import generate_demo_progress
    from duban.projects.demo import generate_demo_ledger
    from duban.store.db import upgrade
    from duban.store.plans import save_plan
    from duban.store.users import ensure_demo_users
    from duban.supervision.command import apply_plan_rules

    settings = get_settings()
    upgrade(settings.sqlalchemy_url())
    plan = read_plan_file(default_plan_path())
    with _transaction(settings) as session:
        row = save_plan(session=session, plan=plan)
        summary = generate_demo_progress(
            session=session, plan_row=row, plan=plan, today=today(settings), cutoff_day=settings.cutoff_day
        )
        projects = generate_demo_ledger(session=session, plan_row=row, today=today(settings))
        accounts = ensure_demo_users(session=session, plan=plan, data_dir=settings.data_dir)
    typer.echo(
        f"演示数据:{len(plan.indicators())} 个指标,{summary.months} 个月,{summary.entries} 条填报,{projects} 个项目。"
    )
    if summary.months:
        run = apply_plan_rules(factory=_factory(settings), settings=settings, period=str(summary.months))
        typer.echo(f"督办:{summary.months}月触发 {run.fired} 个情形,立单 {len(run.opened)} 件。")
    typer.echo(f"演示账号与密码见 {accounts}")
    if serve:
        _serve(settings, port)


@app.command("backup")
def backup_command(file: Path = typer.Argument(..., help="备份文件")) -> None:
    """One archive of the site: the database (online backup or pg_dump), evidence and reply files, the key."""
    from duban.store.backup import BackupError, backup

    try:
        summary = backup(settings=get_settings(), target=file)
    except BackupError as exc:
        _fail(str(exc))
    key = ",含密钥" if summary.key else ""
    typer.echo(f"已备份到 {file}(数据库、{summary.files} 个佐证与反馈文件{key})")
    if summary.missing:
        typer.echo(
            f"注意:{len(summary.missing)} 个文件在存储中已不存在,未能备份:{'、'.join(summary.missing[:5])}"
        )


@app.command("restore")
def restore_command(file: Path = typer.Argument(..., help="由 duban backup 写出的备份文件")) -> None:
    """Replace the store with a backup made by `duban backup`."""
    from duban.store.backup import BackupError, restore

    try:
        restore(settings=get_settings(), source=file)
    except BackupError as exc:
        _fail(str(exc))
    typer.echo(f"已从 {file} 恢复")


@app.command("serve")
def serve(port: int | None = typer.Option(None, help="端口;默认 DUBAN_PORT")) -> None:
    """Start the web server on the configured store."""
    _serve(get_settings(), port)


def _serve(settings: Settings, port: int | None) -> None:
    import uvicorn

    from duban.store.db import at_head, make_engine
    from duban.web.app import create_app
    from duban.web.auth import SharedKeyMissing

    if not at_head(make_engine(settings.sqlalchemy_url())):
        _fail("数据库结构不是最新版本,请先运行 duban db upgrade(每次升级 duban 后运行一次)")
    try:
        app = create_app(settings)
    except SharedKeyMissing as exc:
        _fail(str(exc))

    port = port or settings.port
    typer.echo(f"duban 已启动:http://{settings.host}:{port}/", err=False)
    sys.stdout.flush()
    uvicorn.run(app, host=settings.host, port=port, log_level="warning")


def today(settings: Settings) -> date:
    """Today, unless DUBAN_TODAY pretends otherwise."""
    return date.fromisoformat(settings.today) if settings.today else date.today()


def _factory(settings: Settings) -> sessionmaker[Session]:
    from duban.store.db import make_engine, session_factory

    return session_factory(make_engine(settings.sqlalchemy_url()))


def _transaction(settings: Settings) -> AbstractContextManager[Session]:
    from duban.store.db import transaction

    return transaction(_factory(settings))


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
