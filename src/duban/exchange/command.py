"""`duban template` and `duban import`: the Excel round trip from the command line (run by the office)."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.exchange.template import make_template, template_filename
from duban.exchange.upload import ImportRefused, import_workbook
from duban.settings import Settings, get_settings
from duban.store.db import make_engine, session_factory, transaction
from duban.store.entries import Writer, ensure_periods
from duban.store.models import OrgUnitRow, PeriodRow, PlanRow
from duban.store.periods import WorkflowError, resolve_period
from duban.store.plans import find_plan
from duban.web.auth import secret_key


def template_command(
    unit: str = typer.Option(..., "--unit", help="填报单位名称,如 镇雄县"),
    period: str = typer.Option(..., "--period", help="报送期,如 2026-06"),
    output: Path = typer.Option(None, "-o", "--output", help="写入的文件;默认为“单位-报送期-进度填报.xlsx”"),
) -> None:
    """Write a unit's Excel reporting template for a period."""
    settings = get_settings()
    with transaction(session_factory(make_engine(settings.sqlalchemy_url()))) as session:
        plan_row = _plan(session, settings)
        unit_row = _unit(session, unit)
        period_row = _period(session, plan_row, period)
        content = make_template(session=session, plan_row=plan_row, unit=unit_row, period=period_row,
                                key=secret_key(settings))  # fmt: skip
        target = output or Path(template_filename(unit=unit_row, period=period_row, year=plan_row.year))
    target.write_bytes(content)
    typer.echo(f"已生成 {unit} {period} 填报模板:{target}")


def import_command(
    file: Path = typer.Argument(..., help="填好的 .xlsx 模板"),
    submit: bool = typer.Option(True, help="导入后直接提交审核"),
) -> None:
    """Check a filled template and import all of its figures, or none (every problem is listed)."""
    settings = get_settings()
    try:
        with transaction(session_factory(make_engine(settings.sqlalchemy_url()))) as session:
            result = import_workbook(session=session, content=file.read_bytes(), key=secret_key(settings),
                                     plan_row=_plan(session, settings), writer=_office(settings), submit=submit)  # fmt: skip
    except ImportRefused as refused:
        for fault in refused.faults:
            typer.echo(str(fault), err=True)
        _fail(f"共 {len(refused.faults)} 处问题,未导入任何数据。")
        return
    except WorkflowError as exc:
        _fail(str(exc))
        return
    typer.echo(result.summary())


def _office(settings: Settings) -> Writer:
    from duban.cli import today

    return Writer(user_id=None, admin=True, today=today(settings))


def _plan(session: Session, settings: Settings) -> PlanRow:
    plan_row = find_plan(session=session)
    if plan_row is None:
        _fail("数据库中还没有计划,请先运行 duban plan load")
        raise AssertionError
    ensure_periods(session=session, plan=plan_row, cutoff_day=settings.cutoff_day,
                   combine_jan_feb=settings.combine_jan_feb)  # fmt: skip
    return plan_row


def _unit(session: Session, name: str) -> OrgUnitRow:
    unit = session.scalar(select(OrgUnitRow).where(OrgUnitRow.name == name.strip()))
    if unit is None:
        _fail(f"单位“{name}”不存在")
        raise AssertionError
    return unit


def _period(session: Session, plan_row: PlanRow, key: str) -> PeriodRow:
    try:
        return resolve_period(session=session, plan=plan_row, key=key)
    except WorkflowError as exc:
        _fail(str(exc))
        raise AssertionError from exc


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)
