"""From a period and an optional county to a finished bulletin file.

The year's 年度通报 / 考核结果 is `duban.reports.year_service`'s: a monthly bulletin does not import the year's
close (0.05 s of a cold `duban report`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from duban.persistence.db import Session
from duban.reports.build import build_bulletin
from duban.reports.model import Bulletin
from duban.reports.options import AUTO, ReportError, parse_period
from duban.services.bulletins import Issued, next_number, record_issue
from duban.services.office import office_settings
from duban.services.overview import period_overview
from duban.services.periods import next_due
from duban.services.plans import find_plan
from duban.services.supervision import open_items_by_indicator


def bulletin_for(
    *, session: Session, period: str, unit: str | None = None, today: date,
    open_items: Mapping[str, str] | None = None, number: int | str | None = None, issued: date | None = None,
    record: bool = True, region: str | None = None,
) -> Bulletin:  # fmt: skip
    """The bulletin of `period` ("2026-06") for the plan, or for `unit`, one of the units it ranks (a county, a 州市).

    `number` and `issued` are the office's: a number (or AUTO, the year's next) is recorded in the
    year's counter (unless not `record`: a read-only web download), and a number another bulletin
    already holds is reported in the warnings.
    """
    year, month = parse_period(period)
    plan_row = find_plan(session=session, region=region, year=year)
    if plan_row is None:
        raise ReportError(f"数据库中没有{year}年{region or ''}的计划，请先导入计划")
    basis = office_settings(session=session, plan_id=plan_row.id).basis
    overview = period_overview(
        session=session, plan_row=plan_row, month=month, basis=basis, today=today, lean=True
    )
    if unit and unit not in overview.ranked:  # a city's counties, a province's 州市
        raise ReportError(f"“{unit}”不是{overview.plan.region}的{overview.level.regions}，无法生成其通报")
    previous = (
        period_overview(
            session=session, plan_row=plan_row, month=month - 1, basis=basis, today=today, lean=True
        )
        if month > 1
        else None
    )
    if open_items is None:
        open_items = open_item_labels(session=session, plan_id=plan_row.id)
    issued = issued or today
    if number == AUTO and not record:
        raise ReportError("网页下载请填写具体的文号序号；本年文号由 duban report --number auto 登记")
    taken, clash = (
        _take_number(session, plan_row.id, number, period=f"{year}-{month:02d}", unit=unit, issued=issued)
        if record
        else (number if isinstance(number, int) else None, None)
    )
    bulletin = build_bulletin(overview=overview, previous=previous, unit=unit, open_items=open_items, issued=issued,
                              number=taken, next_report=next_due(session=session, plan_id=plan_row.id, after=issued))  # fmt: skip
    if clash is not None:
        bulletin.warnings.append(f"文号{taken}号本年已用于{clash.words()}（{clash.issued}）")
    return bulletin


def _take_number(
    session: Session, plan_id: int, number: int | str | None, *, period: str, unit: str | None, issued: date
) -> tuple[int | None, Issued | None]:
    if number is None:
        return None, None
    taken = next_number(session=session, plan_id=plan_id) if number == AUTO else int(number)
    clash = record_issue(
        session=session, plan_id=plan_id, number=taken, period=period, unit=unit, issued=issued
    )
    return taken, clash


def open_item_labels(*, session: Session, plan_id: int) -> dict[str, str]:
    """Indicator id → the bulletin's 督办 column text, e.g. "督办单3件（红2）"."""
    labels = {}
    for code, items in open_items_by_indicator(session=session, plan_id=plan_id).items():
        red = sum(1 for item in items if item.colour is not None and item.colour.value == "red")
        labels[code] = f"督办单{len(items)}件" + (f"（红{red}）" if red else "")
    return labels


def file_name(*, bulletin: Bulletin, fmt: str) -> str:
    """督查通报-2026-10.pdf, or 督查通报-2026-10-镇雄县.pdf for a county."""
    suffix = f"-{bulletin.unit}" if bulletin.unit else ""
    return f"督查通报-{bulletin.year}-{bulletin.month:02d}{suffix}.{fmt}"
