"""duban's command line: thin commands over the service functions.

Start-up imports typer and these small modules only; each command imports what it needs when it runs,
so `duban --help` answers at once. Each command's help is its (Chinese) docstring. Every command fails
politely (see `duban.cli.polite`): one Chinese line, exit code 1, no traceback.
"""

from __future__ import annotations

import gc
from importlib import resources
from pathlib import Path

import typer

from duban.cli import db, exchange, ingest, ledger, plan, report, site, supervise, users, year
from duban.cli.polite import make_polite
from duban.cli.runtime import asks
from duban.policy import Action


def _group(help: str) -> typer.Typer:
    """A command group with plain help (rich's formatting alone costs a second of start-up)."""
    return typer.Typer(
        help=help,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


app = _group("duban 督办：年度工作计划的目标分解、进度报送、督查督办与通报。")
db_app = _group("数据库：迁移与检查。")
plan_app = _group("计划文件：检查、导入、导出、修订。")
supervise_app = _group("督办：按规则立单、提醒。")
ledger_app = _group("项目台账：导入、导出、统计。")
user_app = _group("账号：新增、停用、重置密码。")
year_app = _group("年终考核：关闭年度、重新开放、考核结果。")
app.add_typer(db_app, name="db")
app.add_typer(plan_app, name="plan")
app.add_typer(supervise_app, name="supervise")
app.add_typer(ledger_app, name="ledger")
app.add_typer(user_app, name="user")
app.add_typer(year_app, name="year")

db_app.command("upgrade")(asks(Action.OPERATE_STORE, db.upgrade))
plan_app.command("check")(asks(Action.MANAGE_PLAN, plan.check_command))
plan_app.command("export")(asks(Action.READ_DASHBOARD, plan.export_command))
plan_app.command("revise")(asks(Action.MANAGE_PLAN, plan.revise_command))
plan_app.command("load")(asks(Action.MANAGE_PLAN, plan.load_command))
plan_app.command("undo")(asks(Action.MANAGE_PLAN, plan.undo_command))
user_app.command("add")(asks(Action.MANAGE_USERS, users.add))
user_app.command("disable")(asks(Action.MANAGE_USERS, users.disable))
user_app.command("reset")(asks(Action.MANAGE_USERS, users.reset))
supervise_app.command("run")(asks(Action.OPEN_SUPERVISION, supervise.run_rules))
supervise_app.command("remind")(asks(Action.OPEN_SUPERVISION, supervise.send_reminders))
year_app.command("close")(asks(Action.MANAGE_PERIODS, year.close_command))
year_app.command("reopen")(asks(Action.MANAGE_PERIODS, year.reopen_command))
year_app.command("result")(asks(Action.EXPORT_REPORTS, year.result_command))
ledger_app.command("import")(asks(Action.MANAGE_PLAN, ledger.ledger_import))
ledger_app.command("export")(asks(Action.READ_PROJECTS, ledger.ledger_export))
ledger_app.command("figures")(asks(Action.READ_PROJECTS, ledger.ledger_figures))
app.command("ingest")(asks(Action.MANAGE_PLAN, ingest.ingest_command))
app.command("report")(asks(Action.EXPORT_REPORTS, report.report_command))
app.command("template")(asks(Action.READ_FIGURES, exchange.template_command))
app.command("import")(asks(Action.ENTER_FIGURES, exchange.import_command))
app.command("demo")(asks(Action.OPERATE_STORE, site.demo))
app.command("backup")(asks(Action.OPERATE_STORE, site.backup_command))
app.command("restore")(asks(Action.OPERATE_STORE, site.restore_command))
app.command("serve")(asks(Action.OPERATE_STORE, site.serve))
make_polite(app)


def default_plan_path() -> Path:
    """The 昭通 2026 plan shipped with duban."""
    return Path(str(resources.files("duban") / "data" / "plans" / "zhaotong-2026.yaml"))


def main() -> None:
    """The `duban` console script."""
    try:
        app()
    finally:
        # The process ends here: its objects need no more collecting. Left to the collector, the interpreter's
        # exit walked the whole heap once more (0.3–0.5 s after `duban report` had written its files).
        gc.freeze()
