"""A city's plan loaded on the ingest page under its province: the review page proposes, by name, the province
plan's indicator each target rolls up into (for a city that numbers its own), the office confirms it and the
store keeps it; a 上级单位 that is neither in the plan nor the store is refused, located, and nothing is stored.

The web plan's 昭通市 (2026) is a city of 云南省, whose 2027 plan is stored here; the document is 昭通市's
2027 plan, whose targets the reader numbers T001.. (产业投资占比, 新建…硬化路, 城镇新增就业)."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import func, select

from builders import kind_indicator
from duban.persistence.models import IndicatorRow, PlanRow
from duban.plan.model import Area, Indicator, OrgUnit, Plan, Task
from duban.services.plan_loading import save_plan
from web.conftest import log_in
from web.test_history_ingest import DOCUMENT


def _province_2027() -> Plan:
    share = Indicator(
        id="P-01", name="产业投资占比", unit="%", kind="share", comparator=">=", target=Decimal(55)
    )
    jobs = kind_indicator("P-02", "count", ">=", 400000).model_copy(
        update={"name": "城镇新增就业人数", "unit": "人"}
    )
    units = [OrgUnit.model_validate({"name": "云南省", "kind": "province", "code": "530000"}),
             OrgUnit.model_validate({"name": "昭通市", "kind": "city", "parent": "云南省", "code": "530600"})]  # fmt: skip
    return Plan(region="云南省", year=2027, title="云南省2027年重点工作", units=units,
                areas=[Area(code="A", name="经济", tasks=[Task(code="1", title="投资", indicators=[share, jobs])])])  # fmt: skip


def _upload(client, token: str) -> str:
    upload = client.post("/plan/ingest", data={"csrf_token": token},
                         files={"file": (DOCUMENT.name, DOCUMENT.read_bytes())}, follow_redirects=False)  # fmt: skip
    return upload.headers["location"]


def _chosen(review: str, field: str) -> dict[str, str]:
    """Each target's preselected option of the selects named `<code>.<field>`."""
    return {code: re.search(r'<option value="([^"]+)" selected>', options).group(1)
            for code, options in re.findall(rf'<select aria-label="[^"]*" name="([^"]+)\.{field}">(.*?)</select>',
                                            review, re.S)}  # fmt: skip


def test_the_review_proposes_the_provinces_indicators_and_the_store_keeps_the_confirmed_mapping(
    client, factory
):
    with factory() as session, session.begin():
        save_plan(session=session, plan=_province_2027())
    token = log_in(client, "admin")
    page = _upload(client, token)
    review = client.get(page).text
    assert "数据库中有云南省2027年计划" in review and "云南省计划对应指标" in review
    proposed = _chosen(review, "above")
    assert proposed == {"T001": "P-01", "T002": "-", "T003": "P-02"}
    form = {"csrf_token": token, **{f"{code}.above": code_above for code, code_above in proposed.items()}}
    assert client.post(page, data=form, follow_redirects=False).status_code == 303
    with factory() as session:
        plan = session.scalars(select(PlanRow).where(PlanRow.region == "昭通市", PlanRow.year == 2027)).one()
        stored = session.execute(
            select(IndicatorRow.code, IndicatorRow.extra).where(IndicatorRow.plan_id == plan.id)
        )
        assert {code: (extra or {}).get("above") for code, extra in stored} == proposed


def test_a_parent_neither_in_the_plan_nor_the_store_is_refused_and_nothing_is_stored(client, factory):
    token = log_in(client, "admin")
    page = _upload(client, token)
    refused = client.post(page, data={"csrf_token": token, "parent": "999999"}, follow_redirects=False)
    assert refused.status_code == 422
    assert (
        "单位“昭通市”的上级单位“999999”既不是本计划中的单位，也不是数据库中已有单位的名称或代码"
        in refused.text
    )
    assert "未导入任何内容" in refused.text and 'value="999999"' in refused.text
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(PlanRow).where(PlanRow.year == 2027)) == 0
