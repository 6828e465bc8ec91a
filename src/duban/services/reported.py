"""报送情况 of a judged period: per unit, the figures asked of it and how many are in, counted once.

The dashboard, the map's summary, the county pages and the 督查通报 all show these lines; they come
from the judged period's reporting cells and one GROUP BY over the period's entries, so every face
counts the same figures. (The 报送情况 page's on-time/late verdict per unit is `periods.reporting_status`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from duban.choices import EntryState, OrgKind
from duban.persistence.models import PeriodRow, PlanRow
from duban.plan.assignments import asked_of_units
from duban.services.entry_states import entry_states
from duban.services.judged import JudgedPeriod


@dataclass(frozen=True)
class ReportingLine:
    """报送情况 of one unit for the period."""

    unit: str
    kind: OrgKind
    expected: int
    submitted: int
    approved: int
    returned: int
    missing: int
    late: bool

    @property
    def pending(self) -> int:
        """待审核: submitted, not yet reviewed."""
        return self.submitted - self.approved


def reporting_lines(
    *, session: Session, plan_row: PlanRow, core: JudgedPeriod, today: date
) -> list[ReportingLine]:
    """Per unit holding reporting cells, in the plan's order: expected, submitted, approved, returned, missing.

    Figures fed from the project ledger are asked of no unit, so they are neither expected nor counted; a
    province's city whose figure its own plan gave (`JudgedPeriod.from_plans`) reported it there: approved."""
    asked = np.array([asked_of_units(indicator=ind) for ind in core.indicators], dtype=bool)
    expected = (core.reporting_cells & asked[:, None]).sum(axis=0)
    fed = [int(i) for i in core.indicator_ids[~asked]]
    period = session.scalar(
        select(PeriodRow).where(PeriodRow.plan_id == plan_row.id, PeriodRow.month == core.frame.month)
    )
    past_deadline = period is not None and today > period.deadline
    tally = entry_states(session=session, period_id=period.id).tally(fed) if period is not None else {}
    units = core.units
    for i, u in core.from_plans:
        if asked[i]:
            states = tally.setdefault(units.ids[u], {})
            states[EntryState.APPROVED] = states.get(EntryState.APPROVED, 0) + 1
    return [
        _line(
            units.names[u],
            OrgKind(units.kinds[u]),
            int(expected[u]),
            tally.get(units.ids[u], {}),
            past_deadline,
        )
        for u in np.flatnonzero(expected)
    ]


def _line(
    unit: str, kind: OrgKind, expected: int, states: dict[EntryState, int], past_deadline: bool
) -> ReportingLine:
    submitted = states.get(EntryState.SUBMITTED, 0) + states.get(EntryState.APPROVED, 0)
    returned = states.get(EntryState.RETURNED, 0)
    missing = expected - submitted - returned  # 未报送: nothing submitted (a returned figure is 已退回)
    return ReportingLine(unit, kind, expected, submitted, states.get(EntryState.APPROVED, 0), returned, missing,
                         past_deadline and missing > 0)  # fmt: skip
