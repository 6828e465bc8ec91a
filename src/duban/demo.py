"""Plausible demo progress: some counties ahead, some behind, a few late, from a fixed seed.

Last year (`generate_demo_last_year`): the same plan a year earlier with twelve approved months, the
demo's curve made seasonal (slow around 春节 and in the 雨季, a year-end rush) and scaled to last year's
level, from its own seed: this year's figures stay exactly as they were.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from duban.choices import Accumulation, Comparator, EntryState, IndicatorKind, MilestoneStage, Status
from duban.months import last_due_month, month_end
from duban.persistence.audit import record_event
from duban.persistence.db import Session
from duban.persistence.models import EntryRow, PeriodRow, PlanRow, utcnow
from duban.plan.assignments import reporting_units, unit_target
from duban.plan.model import Indicator, Plan
from duban.progress.expected import expected_share
from duban.progress.judge import judge
from duban.projects.demo import demo_projects
from duban.services.entries import clear_period_entries, ensure_periods
from duban.services.plan_loading import save_plan
from duban.services.plans import indicator_ids_by_code
from duban.services.projects import county_ids, replace_projects
from duban.services.units import units_by_name

# 滞后原因 as reporters write them: specific ones, and the odd vague one a bulletin cannot use.
BUILDING_WORDS = ("项目", "开工", "建设", "改造", "路", "学位", "住房", "投资")
BUILDING_NOTES = (
    "{n}个项目用地预审和环评手续尚未批复，未能按期开工",
    "项目前期工作推进较慢，可研报告仍在修改完善",
    "上级专项资金尚未下达，县级配套资金到位慢，部分工程暂缓实施",
    "用地、用林指标紧张，要素保障不到位",
    "征地拆迁涉及群众{n}户，协调难度大，施工队伍无法进场",
    "工作推进较慢",
)
GENERAL_NOTES = (
    "市场需求不旺，企业投资意愿不强",
    "该指标按季度统计，本月数据尚未更新",
    "专业技术人员不足，工作力量薄弱",
    "工作经费未及时拨付，影响工作开展",
    "正在加快推进",
)
SEASON_NOTES = {m: ("受主汛期持续降雨影响，部分工程停工{n}天",) for m in (6, 7, 8, 9)} | {
    m: ("受低温凝冻天气影响，户外作业受限",) for m in (1, 2, 11, 12)
}

# Last year's monthly shares of the year's work (Jan..Dec): 春节, the 雨季 and the year-end rush.
LAST_YEAR_WEIGHTS = (0.04, 0.04, 0.08, 0.09, 0.1, 0.08, 0.07, 0.07, 0.09, 0.1, 0.11, 0.13)
LAST_YEAR_SCALE = 0.9  # last year's figures against this year's targets

# How fast each kind of unit moves relative to 序时进度: a fixed cast, so the demo tells a story.
_PACES = (1.0, 1.08, 1.0, 0.96, 0.99, 0.9, 0.93, 0.86, 0.8, 0.72, 1.04, 1.1, 1.02, 0.97, 1.05, 0.94)


@dataclass(frozen=True)
class DemoSummary:
    entries: int
    months: int
    not_reported: int


def generate_demo_progress(
    *, session: Session, plan_row: PlanRow, plan: Plan, today: date, cutoff_day: int = 25, seed: int = 2026
) -> DemoSummary:
    """Replace the plan's entries with demo figures for every month due by `today`."""
    rng = random.Random(seed)
    periods = ensure_periods(session=session, plan=plan_row, cutoff_day=cutoff_day, combine_jan_feb=False)
    months = last_due_month(today=today, year=plan.year, cutoff_day=cutoff_day)
    units = units_by_name(session=session)
    paces = {name: _PACES[i % len(_PACES)] for i, name in enumerate(sorted(units, key=lambda n: units[n].id))}
    indicator_ids = indicator_ids_by_code(session=session, plan_id=plan_row.id)
    clear_period_entries(session=session, period_ids=[p.id for p in periods])
    rows, skipped = [], 0
    for ind in plan.indicators():
        for unit in reporting_units(indicator=ind, plan=plan):
            made = _unit_series(rng, ind, unit, paces[unit], months, plan.year)
            skipped += months - len(made)
            rows += [_row(indicator_ids[ind.id], units[unit].id, periods[m - 1], fig, m == months, rng,
                          _lag_note(plan, ind, unit, m, fig, seed)) for m, fig in made]  # fmt: skip
    session.add_all(rows)
    record_event(session, actor=None, action="demo.generate", subject=("plan", plan_row.id),
                 new={"entries": len(rows), "months": months, "seed": seed})  # fmt: skip
    session.flush()
    return DemoSummary(entries=len(rows), months=months, not_reported=skipped)


@dataclass(frozen=True)
class _Figure:
    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    stage: str | None = None


def _unit_series(
    rng: random.Random, ind: Indicator, unit: str, pace: float, months: int, year: int
) -> list[tuple[int, _Figure]]:
    target = float(unit_target(indicator=ind, unit=unit))
    pace *= rng.uniform(0.86, 1.14)  # units are uneven across their targets too
    late_from = months + 1 if rng.random() > 0.06 else months  # about one in sixteen misses the newest month
    series, reached = [], 0.0
    for month in range(1, min(months, late_from - 1) + 1):
        share = float(expected_share(profile=ind.profile, year=year, on=month_end(year, month)))
        figure, reached = _figure(rng, ind, target, pace, share, reached)
        series.append((month, figure))
    return series


def _figure(
    rng: random.Random, ind: Indicator, target: float, pace: float, share: float, reached: float
) -> tuple[_Figure, float]:
    if ind.kind is IndicatorKind.MILESTONE:
        stages = list(MilestoneStage)
        step = min(len(stages) - 1, int(share * pace * len(stages)))
        value = Decimal(1) if stages[step] is MilestoneStage.COMPLETED else Decimal(0)
        return _Figure(value=value, stage=stages[step].value), reached
    if ind.accumulation is Accumulation.LEVEL:
        return _level_figure(rng, ind, target, pace, share), reached
    wobble = rng.uniform(0.94, 1.06)
    reached = max(reached, min(target * 1.2, target * share * pace * wobble))
    return _Figure(value=_round(reached, ind)), reached


def _level_figure(rng: random.Random, ind: Indicator, target: float, pace: float, share: float) -> _Figure:
    closing = 0.75 + 0.25 * share  # rates climb towards their level through the year
    level = target * min(1.08, closing * (0.9 + 0.15 * pace)) * rng.uniform(0.98, 1.02)
    if ind.comparator is Comparator.AT_MOST:
        level = target * (2 - min(1.08, closing * pace))
    if ind.kind is IndicatorKind.GROWTH:
        return _Figure(value=Decimal(str(round(level, 1))))
    level = min(level, 100.0)
    denominator = Decimal(rng.choice((120, 240, 360, 480, 960, 1500)))
    numerator = (denominator * Decimal(str(level)) / 100).quantize(Decimal(1), ROUND_HALF_UP)
    return _Figure(value=(numerator / denominator * 100).quantize(Decimal("0.01")), numerator=numerator,
                   denominator=denominator)  # fmt: skip


def _round(value: float, ind: Indicator) -> Decimal:
    places = Decimal(1) if ind.unit not in ("公里",) else Decimal("0.1")
    return Decimal(str(value)).quantize(places, ROUND_HALF_UP)


def _lag_note(plan: Plan, ind: Indicator, unit: str, month: int, fig: _Figure, seed: int) -> str | None:
    """The 滞后原因 a reporter must write for a figure behind 序时进度 (its own generator: the figures stay as they were)."""
    stage = MilestoneStage(fig.stage) if fig.stage else None
    judgement = judge(indicator=ind, target=unit_target(indicator=ind, unit=unit), actual=fig.value, stage=stage,
                      on=month_end(plan.year, month), year=plan.year, thresholds=plan.thresholds)  # fmt: skip
    if judgement.status not in (Status.BEHIND, Status.FAR_BEHIND):
        return None
    rng = random.Random(f"{seed}-{ind.id}-{unit}")
    building = any(word in ind.name + ind.unit for word in BUILDING_WORDS)
    pool = [*(BUILDING_NOTES if building else GENERAL_NOTES), *SEASON_NOTES.get(month, ())]
    return rng.choice(pool).format(n=rng.randint(2, 9))


def _row(
    indicator_id: int, unit_id: int, period: PeriodRow, fig: _Figure, newest: bool, rng: random.Random,
    note: str | None = None,
) -> EntryRow:  # fmt: skip
    state = EntryState.APPROVED
    if newest:
        state = rng.choices(list(EntryState), weights=(1, 3, 30, 1))[0]
    official = state is EntryState.APPROVED
    return EntryRow(
        indicator_id=indicator_id, unit_id=unit_id, period_id=period.id, value=fig.value,
        numerator=fig.numerator, denominator=fig.denominator, stage=fig.stage, state=state.value,
        official_value=fig.value if official else None,
        official_numerator=fig.numerator if official else None,
        official_denominator=fig.denominator if official else None,
        official_stage=fig.stage if official else None, note=note,
        return_reason="数据与佐证材料不一致，请核实" if state is EntryState.RETURNED else None,
        submitted_at=utcnow() if state is not EntryState.DRAFT else None,
        approved_at=utcnow() if official else None,
    )  # fmt: skip


def generate_demo_last_year(
    *, session: Session, plan: Plan, cutoff_day: int = 25, seed: int = 2025
) -> PlanRow:
    """Load `plan` a year earlier with twelve approved months of seasonal demo figures; return its row."""
    last = _plan_a_year_earlier(plan)
    row = save_plan(session=session, plan=last)
    periods = ensure_periods(session=session, plan=row, cutoff_day=cutoff_day, combine_jan_feb=False)
    units = {name: unit.id for name, unit in units_by_name(session=session).items()}
    ids = indicator_ids_by_code(session=session, plan_id=row.id)
    clear_period_entries(session=session, period_ids=[p.id for p in periods])
    rng, rows = random.Random(seed), []
    for ind in last.indicators():
        for unit in reporting_units(indicator=ind, plan=last):
            for month, fig in _last_year_series(rng, ind, unit):
                rows.append(_row(ids[ind.id], units[unit], periods[month - 1], fig, False, rng))
    session.add_all(rows)
    session.flush()
    return row


def _plan_a_year_earlier(plan: Plan) -> Plan:
    """The same plan, its year, title, deadlines and dated milestones a year earlier."""
    last = plan.model_copy(deep=True)
    last.year, last.title = plan.year - 1, plan.title.replace(str(plan.year), str(plan.year - 1))
    for ind in last.indicators():
        ind.due = ind.due.replace(year=ind.due.year - 1) if ind.due else None
        for point in ind.profile.points:
            point.on = point.on.replace(year=point.on.year - 1)
    return last


def _last_year_series(rng: random.Random, ind: Indicator, unit: str) -> list[tuple[int, _Figure]]:
    """Twelve months of one unit: the demo's curve over `LAST_YEAR_WEIGHTS`, scaled to last year's level."""
    target = float(unit_target(indicator=ind, unit=unit)) * LAST_YEAR_SCALE
    pace = rng.uniform(0.95, 1.08)
    series, reached, share = [], 0.0, 0.0
    for month, weight in enumerate(LAST_YEAR_WEIGHTS, start=1):
        share += weight
        figure, reached = _figure(rng, ind, target, pace, min(share, 1.0), reached)
        series.append((month, figure))
    return series


def generate_demo_ledger(*, session: Session, plan_row: PlanRow, today: date, seed: int = 2026) -> int:
    """Replace the plan's ledger with the demo ledger on `today`; return how many projects it holds."""
    projects = demo_projects(
        counties=list(county_ids(session=session)), year=plan_row.year, today=today, seed=seed
    )
    return replace_projects(
        session=session, plan_row=plan_row, projects=projects, reason=f"演示项目库 seed={seed}"
    )
