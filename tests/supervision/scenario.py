"""A small plan in which 镇雄县 falls seriously behind in June, shared by the store, command and web tests."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import OFFICE, make_indicator, make_plan
from duban.choices import Role
from duban.persistence.models import IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.plan.model import Breakdown
from duban.services.entries import approve, ensure_periods, record_value, submit
from duban.services.plan_loading import save_plan
from duban.services.plans import save_rules
from duban.services.users import add_user
from duban.supervision.rules import SupervisionRules

PASSWORD = "correct horse battery"
ROADS = make_indicator(breakdown=Breakdown(targets={"镇雄县": Decimal(740), "昭阳区": Decimal(500)}))
# June ends on day 181 of 365: 序时进度 49.59%. 镇雄县 100/740 = 13.5% (36 pp behind → 严重滞后);
# 昭阳区 250/500 = 50% (正常).
JUNE = {"镇雄县": Decimal(100), "昭阳区": Decimal(250)}


def setup_plan(session: Session, rules: SupervisionRules | None = None) -> PlanRow:
    """The plan, its periods (due on the 25th), rules and accounts: admin and a 镇雄县 reporter with e-mail."""
    row = save_plan(session=session, plan=make_plan(indicators=[ROADS]))
    ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)
    save_rules(session=session, plan_id=row.id, rules=rules)
    add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN)
    add_user(session=session, username="zhenxiong", password=PASSWORD, role=Role.REPORTER, unit="镇雄县",
             email="zx@example.cn")  # fmt: skip
    add_user(session=session, username="zhaoyang", password=PASSWORD, role=Role.REPORTER, unit="昭阳区")
    return row


def report(session: Session, unit: str, month: int, value: Decimal) -> None:
    """An approved figure of the roads indicator."""
    ind = session.scalar(select(IndicatorRow).where(IndicatorRow.code == ROADS.id))
    unit_id = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == unit))
    period = session.scalar(
        select(PeriodRow).where(PeriodRow.plan_id == ind.plan_id, PeriodRow.month == month)
    )
    entry = record_value(session=session, indicator_id=ind.id, unit_id=unit_id, period_id=period.id,
                         user_id=None, value=value)  # fmt: skip
    submit(session=session, entry=entry, writer=OFFICE)
    approve(session=session, entry=entry, writer=OFFICE)


def report_june(session: Session, figures: dict[str, Decimal] = JUNE) -> None:
    """May on track for both counties (序时进度 41.2%), then June's figures."""
    report(session, "镇雄县", 5, Decimal(300))
    report(session, "昭阳区", 5, Decimal(210))
    for unit, value in figures.items():
        report(session, unit, 6, value)
