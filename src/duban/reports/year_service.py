"""From a plan year to its 年度通报 / 考核结果, a bulletin the monthly bulletin's renderers write."""

from __future__ import annotations

from datetime import date

from duban.persistence.db import Session
from duban.reports.model import Bulletin
from duban.reports.options import ReportError
from duban.reports.yearend import build_year_result
from duban.services.plans import plan_of_year
from duban.services.yearclose import year_result


def year_result_bulletin(
    *, session: Session, year: int | None, today: date, issued: date | None = None, number: int | None = None,
    region: str | None = None,
) -> Bulletin:  # fmt: skip
    """The 年度通报 / 考核结果 of `year` (by default the newest year not in the future)."""
    plan_row = plan_of_year(session=session, today=today, year=year, region=region)
    if plan_row is None:
        raise ReportError(f"数据库中没有{year or ''}年度的计划，请先导入计划")
    result = year_result(session=session, plan_row=plan_row, today=today)
    return build_year_result(result=result, issued=issued or today, number=number)


def year_file_name(*, bulletin: Bulletin, fmt: str) -> str:
    """考核结果-2026.docx."""
    return f"考核结果-{bulletin.year}.{fmt}"
