"""Importing a 项目台账 workbook: read it whole, then save every project, or change nothing."""

from __future__ import annotations

from duban.exchange.ledger import read_ledger
from duban.persistence.db import Session
from duban.persistence.models import PlanRow
from duban.services.projects import SaveSummary, county_ids, save_projects


def import_ledger(
    *, session: Session, plan_row: PlanRow, data: bytes, user_id: int | None = None
) -> SaveSummary:
    """Read a 项目台账 workbook and save its projects; LedgerError, and no change at all, if any row is bad."""
    projects = read_ledger(data, counties=list(county_ids(session=session)))
    return save_projects(session=session, plan_row=plan_row, projects=projects, user_id=user_id)
