"""The plan's project figures, computed from the ledger for a unit (a county or the city) on any date.

Definitions (percentages are percent numbers, rounded to 0.01):
- new starts: 新开工 projects whose actual start is in the plan year, on or before the date.
- 开工率: of the 新开工 projects planned to start in the year by the date, the share actually started by it.
- 入库率: of the year's new starts so far, the share registered in official statistics (入库纳统) by the date.
- investment is counted through the last month that has ended by the date (monthly figures are
  reported for whole months); completion = completed / this year's planned investment of every project,
  and 序时进度 is read at the end of that same month, so both sides cover the same period.
- industrial and private shares: completed investment of 产业 projects, and of 民间 investors,
  over all completed investment.
- the cluster: projects with a 产业集群 name; starts and the total planned investment of those started.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from duban.choices import InvestorType, ProjectCategory, ProjectKind, ProjectMilestone
from duban.months import month_end
from duban.plan.model import Profile
from duban.progress.expected import expected_share
from duban.projects.model import Project
from duban.projects.stages import due_to_start, started_in_year

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class LedgerFigures:
    """Every project figure of one unit on one date; amounts in 元, rates in percent."""

    unit: str
    on: date
    through_month: int
    projects: int
    new_projects: int
    continuing: int
    two_major: int
    provincial_major: int
    new_starts: int
    due_to_start: int
    started_of_due: int
    start_rate: Decimal | None
    registered: int
    registration_rate: Decimal | None
    year_plan: Decimal
    completed: Decimal
    completion_rate: Decimal | None
    expected_rate: Decimal
    industrial_share: Decimal | None
    private_share: Decimal | None
    cluster_starts: int
    cluster_investment: Decimal


FEEDS: dict[str, str] = {
    f"ledger.{f.name}": f.name for f in fields(LedgerFigures) if f.name not in ("unit", "on", "through_month")
}


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """`part` over `whole` in percent, rounded to 0.01; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def through_month(*, year: int, on: date) -> int:
    """The last month of `year` that has ended by the end of `on` (0 for none)."""
    if on.year != year:
        return 12 if on.year > year else 0
    return on.month if on.day == calendar.monthrange(year, on.month)[1] else on.month - 1


def expected_rate(*, year: int, month: int, profile: Profile) -> Decimal:
    """序时进度 in percent at the end of `month` of `year`."""
    if month == 0:
        return Decimal(0)
    end = month_end(year, month)
    return (expected_share(profile=profile, year=year, on=end) * HUNDRED).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class LedgerTotals:
    """The counts and sums the figures of one unit are made of: what the store adds up with GROUP BY."""

    projects: int = 0
    new_projects: int = 0
    two_major: int = 0
    provincial_major: int = 0
    new_starts: int = 0
    due_to_start: int = 0
    started_of_due: int = 0
    registered: int = 0
    year_plan: Decimal = Decimal(0)
    completed: Decimal = Decimal(0)
    industrial_completed: Decimal = Decimal(0)
    private_completed: Decimal = Decimal(0)
    cluster_starts: int = 0
    cluster_investment: Decimal = Decimal(0)

    def __add__(self, other: LedgerTotals) -> LedgerTotals:
        return LedgerTotals(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def ledger_totals(*, projects: Iterable[Project], year: int, on: date) -> LedgerTotals:
    """The counts and sums of `projects` on `on` (investment through the last month ended by then)."""
    items = list(projects)
    month = through_month(year=year, on=on)
    new = [p for p in items if p.kind is ProjectKind.NEW]
    starts = [p for p in new if started_in_year(p, year, on)]
    due = [p for p in new if due_to_start(p, year, on)]
    cluster = [p for p in items if p.cluster and started_in_year(p, year, on)]
    return LedgerTotals(
        projects=len(items), new_projects=len(new), two_major=sum(p.two_major for p in items),
        provincial_major=sum(p.provincial_major for p in items), new_starts=len(starts), due_to_start=len(due),
        started_of_due=sum(1 for p in due if p.done_by(ProjectMilestone.START, on)),
        registered=sum(1 for p in starts if p.done_by(ProjectMilestone.REGISTERED, on)),
        year_plan=sum((p.year_plan for p in items), Decimal(0)), completed=_completed(items, month),
        industrial_completed=_completed(items, month, category=ProjectCategory.INDUSTRY),
        private_completed=_completed(items, month, investor=InvestorType.PRIVATE),
        cluster_starts=len(cluster), cluster_investment=sum((p.total_investment for p in cluster), Decimal(0)),
    )  # fmt: skip


def unit_figures(
    *, projects: Iterable[Project], unit: str, year: int, on: date, profile: Profile | None = None
) -> LedgerFigures:
    """The project figures of `projects` (one unit's, or the whole city's) on `on`."""
    totals = ledger_totals(projects=projects, year=year, on=on)
    return figures_of(totals=totals, unit=unit, year=year, on=on, profile=profile)


def figures_of(
    *, totals: LedgerTotals, unit: str, year: int, on: date, profile: Profile | None = None
) -> LedgerFigures:
    """The figures (rates, shares, 序时进度) of one unit from its counts and sums."""
    t, month = totals, through_month(year=year, on=on)
    return LedgerFigures(
        unit=unit, on=on, through_month=month, projects=t.projects, new_projects=t.new_projects,
        continuing=t.projects - t.new_projects, two_major=t.two_major, provincial_major=t.provincial_major,
        new_starts=t.new_starts, due_to_start=t.due_to_start, started_of_due=t.started_of_due,
        start_rate=percent(t.started_of_due, t.due_to_start), registered=t.registered,
        registration_rate=percent(t.registered, t.new_starts), year_plan=t.year_plan, completed=t.completed,
        completion_rate=percent(t.completed, t.year_plan),
        expected_rate=expected_rate(year=year, month=month, profile=profile or Profile()),
        industrial_share=percent(t.industrial_completed, t.completed),
        private_share=percent(t.private_completed, t.completed),
        cluster_starts=t.cluster_starts, cluster_investment=t.cluster_investment,
    )  # fmt: skip


def _completed(
    projects: list[Project],
    month: int,
    *,
    category: ProjectCategory | None = None,
    investor: InvestorType | None = None,
) -> Decimal:
    chosen = (p for p in projects if category in (None, p.category) and investor in (None, p.investor))
    return sum((p.completed_through(month) for p in chosen), Decimal(0))


def figures_by_unit(
    *,
    projects: Sequence[Project],
    city: str,
    counties: Sequence[str],
    year: int,
    on: date,
    profile: Profile | None = None,
) -> dict[str, LedgerFigures]:
    """The figures of the city and of each county (counties without projects get zeros)."""
    result = {city: unit_figures(projects=projects, unit=city, year=year, on=on, profile=profile)}
    for county in counties:
        mine = [p for p in projects if p.county == county]
        result[county] = unit_figures(projects=mine, unit=county, year=year, on=on, profile=profile)
    return result  # fmt: skip


def feed_value(figures: LedgerFigures, feed: str) -> Decimal | None:
    """The figure a plan indicator's `feed:` names (e.g. `ledger.new_starts`), as a Decimal."""
    if feed not in FEEDS:
        raise ValueError(f"未知的项目库数据来源“{feed}”，可用：{', '.join(FEEDS)}")
    value = getattr(figures, FEEDS[feed])
    return None if value is None else Decimal(value)


@dataclass(frozen=True)
class Targets:
    """The plan's project targets the city figures are set against."""

    new_starts: int = 1000
    industrial_share: Decimal = Decimal(55)
    private_share: Decimal = Decimal(45)
    cluster_starts: int = 10
    cluster_investment: Decimal = Decimal(8_267_000_000)


@dataclass(frozen=True)
class TargetLine:
    label: str
    value: Decimal | None
    target: Decimal
    met: bool


def against_targets(figures: LedgerFigures, targets: Targets | None = None) -> list[TargetLine]:
    """The city's figures beside the plan's targets, each marked met or not yet met."""
    t = targets or Targets()
    pairs = (
        ("新开工项目数（个）", figures.new_starts, t.new_starts),
        ("产业投资占比（%）", figures.industrial_share, t.industrial_share),
        ("民间投资占比（%）", figures.private_share, t.private_share),
        ("产业集群开工项目数（个）", figures.cluster_starts, t.cluster_starts),
        ("产业集群开工项目总投资（元）", figures.cluster_investment, t.cluster_investment),
    )
    return [
        TargetLine(label, None if v is None else Decimal(v), Decimal(target), v is not None and v >= target)
        for label, v, target in pairs
    ]


def differs_from_ledger(*, reported: Decimal, ledger: Decimal, tolerance: Decimal) -> bool:
    """Whether a reported figure is further from the ledger's than `tolerance` % of it (any gap from a 0)."""
    if ledger == 0:
        return reported != 0
    return abs(reported - ledger) * 100 > tolerance * abs(ledger)
