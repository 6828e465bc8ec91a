"""Loading next year's plan: the review page proposes, by name, which of last year's indicators each target
continues; the office confirms, and the store reads last year's figures through that mapping.

Last year here is the web plan (2026: A-04 产业投资占比, L02-1 30户以上自然村通硬化路里程); the document is a
2027 plan whose targets the reader numbers T001.. with names of their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from duban.persistence.models import IndicatorRow, PlanRow
from duban.services.history import read_last_year
from web.conftest import log_in

DOCUMENT = Path(__file__).resolve().parents[1] / "data" / "ingest" / "zhaotong-2027-continued.txt"


def _proposals(review: str) -> dict[str, str]:
    """Each target's 2026 counterpart as the page preselects it."""
    chosen = {}
    for select_tag in re.findall(r'<select aria-label="[^"]*2026年对应指标" name="([^"]+)\.last_year">(.*?)</select>',
                                 review, re.S):  # fmt: skip
        code, options = select_tag
        chosen[code] = re.search(r'<option value="([^"]+)" selected>', options).group(1)
    return chosen


def test_review_proposes_last_years_indicator_by_name_and_the_office_confirms(client, factory):
    token = log_in(client, "admin")
    upload = client.post("/plan/ingest", data={"csrf_token": token},
                         files={"file": (DOCUMENT.name, DOCUMENT.read_bytes())}, follow_redirects=False)  # fmt: skip
    review = client.get(upload.headers["location"]).text
    assert "数据库中有昭通市2026年计划" in review
    proposed = _proposals(review)
    # 产业投资占比 is A-04 word for word; 新建30户以上自然村通硬化路 shares 12 of 14 characters with L02-1's
    # name (ratio 24/28) and its unit; nothing last year resembles 城镇新增就业, so it is new ("-").
    assert proposed == {"T001": "A-04", "T002": "L02-1", "T003": "-"}
    form = {"csrf_token": token, **{f"{code}.last_year": old for code, old in proposed.items()}}
    assert client.post(upload.headers["location"], data=form, follow_redirects=False).status_code == 303
    with factory() as session:
        plan = session.scalars(select(PlanRow).where(PlanRow.year == 2027)).one()
        stored = dict(
            session.execute(
                select(IndicatorRow.code, IndicatorRow.extra).where(IndicatorRow.plan_id == plan.id)
            ).all()
        )
        assert {code: extra.get("last_year") for code, extra in stored.items()} == proposed
        assert read_last_year(session=session, plan_row=plan).codes == {"T001": "A-04", "T002": "L02-1"}


def test_the_office_may_change_the_proposal(client, factory):
    token = log_in(client, "admin")
    upload = client.post("/plan/ingest", data={"csrf_token": token},
                         files={"file": (DOCUMENT.name, DOCUMENT.read_bytes())}, follow_redirects=False)  # fmt: skip
    form = {"csrf_token": token, "T001.last_year": "-", "T002.last_year": "L02-1", "T003.last_year": "-"}
    assert client.post(upload.headers["location"], data=form, follow_redirects=False).status_code == 303
    with factory() as session:
        plan = session.scalars(select(PlanRow).where(PlanRow.year == 2027)).one()
        assert read_last_year(session=session, plan_row=plan).codes == {"T002": "L02-1"}
