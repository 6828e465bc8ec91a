"""`duban template` and `duban import`: the Excel round trip from the command line (run by the office)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from duban.cli.runtime import YEAR_HELP, fail, get_settings, plan_of, today, transaction

if TYPE_CHECKING:
    from duban.persistence.db import Session
    from duban.persistence.models import OrgUnitRow, PeriodRow, PlanRow
    from duban.settings import Settings


def template_command(
    unit: str = typer.Option(..., "--unit", help="填报单位名称，如 镇雄县"),
    period: str = typer.Option(..., "--period", help="报送期，如 2026-06"),
    output: Path = typer.Option(None, "-o", "--output", help="写入的文件；默认为“单位-报送期-进度填报.xlsx”"),
) -> None:
    """生成某单位某报送期的 Excel 填报模板。"""
    from duban.exchange.template import make_template, template_filename
    from duban.settings import secret_key

    settings = get_settings()
    with transaction(settings) as session:
        plan_row = _plan(session, settings, _year_of(period))
        unit_row = _unit(session, unit)
        period_row = _period(session, plan_row, period)
        content = make_template(session=session, plan_row=plan_row, unit=unit_row, period=period_row,
                                key=secret_key(settings))  # fmt: skip
        target = output or Path(template_filename(unit=unit_row, period=period_row, year=plan_row.year))
    target.write_bytes(content)
    typer.echo(f"已生成 {unit} {period} 填报模板：{target}")


def import_command(
    file: Path = typer.Argument(..., help="填好的 .xlsx 模板"),
    submit: bool = typer.Option(True, help="导入后直接提交审核"),
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
) -> None:
    """检查填好的模板并导入其中全部数据；有任何问题则一条也不导入，并列出每处问题。"""
    from duban.exchange.upload import ImportRefused, import_workbook
    from duban.services.entries import Writer
    from duban.services.periods import WorkflowError
    from duban.settings import secret_key

    settings = get_settings()
    try:
        with transaction(settings) as session:
            result = import_workbook(session=session, content=file.read_bytes(), key=secret_key(settings),
                                     plan_row=_plan(session, settings, year), submit=submit,
                                     writer=Writer(user_id=None, admin=True, today=today(settings)))  # fmt: skip
    except ImportRefused as refused:
        for fault in refused.faults:
            typer.echo(str(fault), err=True)
        fail(f"共 {len(refused.faults)} 处问题，未导入任何数据。")
    except WorkflowError as exc:
        fail(str(exc))
    typer.echo(result.summary())


def _plan(session: Session, settings: Settings, year: int | None) -> PlanRow:
    from duban.services.entries import ensure_periods

    plan_row = plan_of(session, year, settings)
    ensure_periods(session=session, plan=plan_row, cutoff_day=settings.cutoff_day,
                   combine_jan_feb=settings.combine_jan_feb)  # fmt: skip
    return plan_row


def _year_of(period: str) -> int | None:
    """The year a period key names ('2026-06'), so its template is of that year's plan."""
    head = period.strip()[:4]
    return int(head) if head.isdecimal() else None


def _unit(session: Session, name: str) -> OrgUnitRow:
    from duban.services.units import unit_named

    unit = unit_named(session=session, name=name)
    if unit is None:
        fail(f"单位“{name}”不存在")
    return unit


def _period(session: Session, plan_row: PlanRow, key: str) -> PeriodRow:
    from duban.services.periods import WorkflowError, resolve_period

    try:
        return resolve_period(session=session, plan=plan_row, key=key)
    except WorkflowError as exc:
        fail(str(exc))
