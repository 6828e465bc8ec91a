"""`duban plan revise A-03 1100 --from 2026-07 [--unit 镇雄县] --reason …`, as a Typer-compatible function."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.settings import get_settings
from duban.store.db import make_engine, session_factory, transaction
from duban.store.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.store.plans import find_plan
from duban.store.revisions import RevisionError, TargetChange, changes_through, revise_target


def revise_command(
    indicator: Annotated[str, typer.Argument(help="指标编号,如 A-03")],
    value: Annotated[str, typer.Argument(help="新目标值,如 1100")],
    from_month: Annotated[str, typer.Option("--from", help="生效月份,如 2026-07 或 7")],
    unit: Annotated[str | None, typer.Option(help="调整该单位的分解目标;不填则调整全市目标")] = None,
    reason: Annotated[str, typer.Option(help="调整理由(如人大批准的调整文件)")] = "",
) -> None:
    """Revise a target from a month on, as the office (approved at once); earlier months keep the old target."""
    engine = make_engine(get_settings().sqlalchemy_url())
    try:
        with transaction(session_factory(engine)) as session:
            change = revise_in_newest_plan(session=session, indicator=indicator, value=value,
                                           from_month=from_month, unit=unit, reason=reason)  # fmt: skip
    except RevisionError as exc:
        typer.echo(f"错误:{exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(f"已调整:{change.sentence()}")


def revise_in_newest_plan(
    *, session: Session, indicator: str, value: str, from_month: str, unit: str | None, reason: str
) -> TargetChange:
    """Revise a target of the newest plan from the words a user typed; the change as bulletins state it."""
    plan_row = find_plan(session=session)
    if plan_row is None:
        raise RevisionError("尚未导入计划,请先运行 duban plan load")
    row = revise_target(
        session=session, indicator_id=_indicator_id(session, plan_row, indicator), unit_id=_unit_id(session, unit),
        new_value=target_value(value), effective_month=month_of(from_month, plan_row.year), reason=reason,
        user_id=None,
    )  # fmt: skip
    changes = changes_through(session=session, plan_id=plan_row.id, year=plan_row.year, month=12)
    return next(c for c in changes if c.id == row.id)


def target_value(text: str) -> Decimal:
    """A number as users type it: 1100, 1,100, 1100个 or 12.5%."""
    cleaned = re.sub(r"[,，\s]", "", text)
    match = re.match(r"-?\d+(?:\.\d+)?", cleaned)
    try:
        return Decimal(match.group(0)) if match else Decimal(cleaned)
    except InvalidOperation as exc:
        raise RevisionError(f"新目标值“{text}”不是数字") from exc


def month_of(text: str, year: int) -> int:
    """The month "2026-07", "2026年7月" or "7" names, within the plan's year."""
    match = re.fullmatch(r"\s*(?:(\d{4})\s*[-年/.]\s*)?(\d{1,2})\s*月?\s*", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise RevisionError(f"无法识别的月份“{text}”,请写成 {year}-07 或 7")
    if match.group(1) and int(match.group(1)) != year:
        raise RevisionError(f"月份“{text}”不在计划年度 {year} 年内")
    return int(match.group(2))


def _indicator_id(session: Session, plan_row: PlanRow, code: str) -> int:
    query = select(IndicatorRow.id).where(
        IndicatorRow.plan_id == plan_row.id, IndicatorRow.code == code.strip()
    )
    found = session.scalar(query)
    if found is None:
        raise RevisionError(f"计划中没有编号为“{code}”的指标")
    return found


def _unit_id(session: Session, name: str | None) -> int | None:
    if not name:
        return None
    found = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == name.strip()))
    if found is None:
        raise RevisionError(f"“{name}”不是已登记的单位")
    return found
