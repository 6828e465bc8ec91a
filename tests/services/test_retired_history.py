"""A retired indicator's earlier figures stay out of the later months' judgement (they are read with history)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from duban.persistence.models import PlanRow
from duban.services.batch import judge_plan_period, period_frame
from duban.services.plan_revisions import apply_plan_revision
from services.test_plan_revisions import TODAY, _revised_seed, demo  # noqa: F401  (the fixture)


def _judged(session: Session, plan: PlanRow) -> dict[str, np.ndarray]:
    result = judge_plan_period(session=session, plan_id=plan.id, month=9)
    frame, _ = period_frame(session=session, plan_id=plan.id, month=9, history=True)
    return {code: result.value[i] for i, code in enumerate(frame.indicators.ids)}


def test_a_retired_indicators_figures_do_not_land_on_another_indicator(session: Session, demo) -> None:  # noqa: F811
    before = _judged(session, demo)
    plan = _revised_seed(target={"A-03": Decimal(1100)}, removed={"A-14"})
    apply_plan_revision(
        session=session, plan_row=demo, plan=plan, user_id=None, reason="人大批准", today=TODAY
    )
    after = _judged(session, demo)
    assert "A-14" in before and "A-14" not in after
    for code in after.keys() - {"A-03"}:
        assert np.array_equal(after[code], before[code], equal_nan=True), code
