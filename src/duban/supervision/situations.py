"""Which situations call for a supervision item, judged from plain inputs.

A situation belongs to a subject (one unit on one indicator, one unit's report for one month,
one project). Subjects whose cause still holds are `live`; a live subject with an item already
running is the same situation and opens nothing new. `evaluated` names every subject this run
looked at, so an item whose subject was looked at and is no longer live can be flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from duban.choices import Colour, ItemCause, Status
from duban.supervision.rules import SupervisionRules

LAGGING = frozenset({Status.BEHIND, Status.FAR_BEHIND})


@dataclass(frozen=True)
class Situation:
    """Something that calls for an item: to whom, why, what is asked and how urgent it is."""

    subject: str
    cause: ItemCause
    unit: str
    title: str
    ask: str
    severity: Colour
    month: int
    indicator: str | None = None
    project: str | None = None


@dataclass
class Assessment:
    """The situations found in one run, the subjects still in trouble and the subjects looked at."""

    fired: list[Situation] = field(default_factory=list)
    live: dict[str, Colour] = field(default_factory=dict)
    evaluated: set[str] = field(default_factory=set)

    def merge(self, other: Assessment) -> Assessment:
        """Both assessments together."""
        return Assessment(self.fired + other.fired, self.live | other.live, self.evaluated | other.evaluated)


@dataclass(frozen=True)
class Standing:
    """One unit on one indicator: its status in each period up to the month judged."""

    indicator: str
    name: str
    unit: str
    statuses: dict[int, Status]
    aspiration: bool = False


@dataclass(frozen=True)
class MissingReport:
    """A unit that has not submitted all its figures for a period."""

    unit: str
    month: int
    deadline: date
    missing: int


@dataclass(frozen=True)
class ProjectAlert:
    """A project and whether any of its lights is red (from the project ledger)."""

    code: str
    name: str
    unit: str
    red: bool
    reason: str = ""


def indicator_subject(indicator: str, unit: str) -> str:
    return f"indicator:{indicator}:{unit}"


def report_subject(unit: str, month: int) -> str:
    return f"report:{unit}:{month:02d}"


def project_subject(code: str) -> str:
    return f"project:{code}"


def lagging_run(statuses: dict[int, Status], month: int) -> int:
    """How many periods in a row, ending at `month`, the status has been 滞后 or 严重滞后."""
    run = 0
    for m in sorted((m for m in statuses if m <= month), reverse=True):
        if statuses[m] not in LAGGING:
            break
        run += 1
    return run


def lag_situations(*, standings: list[Standing], month: int, rules: SupervisionRules) -> Assessment:
    """Targets that turned 严重滞后, or stayed 滞后 for `behind_periods` periods."""
    found = Assessment()
    for standing in standings:
        if standing.aspiration and not rules.include_aspirations:
            continue
        subject = indicator_subject(standing.indicator, standing.unit)
        found.evaluated.add(subject)
        status = standing.statuses.get(month)
        if status not in LAGGING:
            continue
        found.live[subject] = Colour.RED if status is Status.FAR_BEHIND else Colour.YELLOW
        situation = _lag_situation(standing, subject, status, month, rules)
        if situation is not None:
            found.fired.append(situation)
    return found


def _lag_situation(
    standing: Standing, subject: str, status: Status, month: int, rules: SupervisionRules
) -> Situation | None:
    run = lagging_run(standing.statuses, month)
    if rules.far_behind and status is Status.FAR_BEHIND:
        cause, ask = ItemCause.FAR_BEHIND, f"{month}月严重滞后于序时进度"
    elif rules.behind_periods is not None and run >= rules.behind_periods:
        cause, ask = ItemCause.BEHIND, f"截至{month}月已连续{run}期滞后于序时进度"
    else:
        return None
    return Situation(
        subject=subject, cause=cause, unit=standing.unit, title=f"{standing.name}（{standing.unit}）",
        ask=f"“{standing.name}”{ask}，请分析原因、提出整改措施并限期反馈。",
        severity=Colour.RED if status is Status.FAR_BEHIND else Colour.YELLOW,
        month=month, indicator=standing.indicator,
    )  # fmt: skip


def report_situations(*, missing: list[MissingReport], today: date, rules: SupervisionRules) -> Assessment:
    """Units whose figures for a period are `report_overdue_days` or more days late."""
    found = Assessment()
    for line in missing:
        subject = report_subject(line.unit, line.month)
        found.evaluated.add(subject)
        late = (today - line.deadline).days
        if line.missing <= 0 or late <= 0:
            continue
        severity = Colour.RED if late >= rules.report_red_days else Colour.YELLOW
        found.live[subject] = severity
        if rules.report_overdue_days is not None and late >= rules.report_overdue_days:
            found.fired.append(Situation(
                subject=subject, cause=ItemCause.REPORT_OVERDUE, unit=line.unit,
                title=f"{line.month}月数据未报送（{line.unit}）",
                ask=f"{line.month}月尚有{line.missing}项数据未报送，已逾期{late}天，请立即报送。",
                severity=severity, month=line.month,
            ))  # fmt: skip
    return found


def project_situations(*, alerts: list[ProjectAlert], month: int, rules: SupervisionRules) -> Assessment:
    """Projects with a red light."""
    found = Assessment()
    for alert in alerts:
        subject = project_subject(alert.code)
        found.evaluated.add(subject)
        if not alert.red:
            continue
        found.live[subject] = Colour.RED
        if rules.project_red:
            found.fired.append(Situation(
                subject=subject, cause=ItemCause.PROJECT_RED, unit=alert.unit,
                title=f"{alert.name}（{alert.unit}）",
                ask=f"项目“{alert.name}”亮红灯{alert.reason}，请说明原因并限期整改。",
                severity=Colour.RED, month=month, project=alert.code,
            ))  # fmt: skip
    return found
