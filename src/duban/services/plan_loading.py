"""Loading a plan into the store: a new plan is inserted, the same plan again becomes a revision of it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from duban.persistence.audit import record_event
from duban.persistence.models import PlanRow
from duban.plan.lineage import mappings
from duban.plan.model import Plan
from duban.services.plan_revisions import apply_plan_revision
from duban.services.plans import find_plan, write_plan


def save_plan(*, session: Session, plan: Plan, user_id: int | None = None) -> PlanRow:
    """Insert the plan, or apply it as a revision of the stored plan of the same region and year.

    Loading again never duplicates the plan and never deletes a reported figure: see `plan_revisions`.
    """
    row = find_plan(session=session, region=plan.region, year=plan.year)
    if row is not None:
        apply_plan_revision(session=session, plan_row=row, plan=plan, user_id=user_id, reason="重新导入计划")
        return row
    row = PlanRow(region=plan.region, year=plan.year, title=plan.title)
    session.add(row)
    write_plan(session=session, row=row, plan=plan)
    record_event(session, actor=user_id, action="plan.create", subject=("plan", row.id),
                 new={"indicators": len(plan.indicators()), "title": plan.title, "mappings": mappings(plan)})  # fmt: skip
    return row
