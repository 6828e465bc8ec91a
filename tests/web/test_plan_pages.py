"""The office's plan pages: editing targets and breakdowns (audited, checked) and the ingest review."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from duban.persistence.models import AuditRow, IndicatorRow, PlanRow
from web.conftest import log_in

DOCUMENT = Path(__file__).resolve().parents[1] / "data" / "ingest" / "liyang-2026-livelihood.txt"
SHARES = {"share.镇雄县": "700", "share.昭阳区": "540"}


def _edit(client, token, **fields):
    data = {"csrf_token": token, "comparator": "=", "target": "1240", "lead_unit": "市交通运输局",
            "breakdown_status": "confirmed", "reason": "市政府常务会议调整", **SHARES, **fields}  # fmt: skip
    return client.post("/plan/indicators/L02-1/edit", data=data, follow_redirects=False)


def test_the_office_edits_a_target_and_the_change_is_audited_with_its_reason(client, factory):
    token = log_in(client, "admin")
    response = _edit(client, token, target="1300", **{"share.镇雄县": "760"})
    assert response.status_code == 303
    with factory() as session:
        row = session.scalar(select(IndicatorRow).where(IndicatorRow.code == "L02-1"))
        assert row.target == 1300
        audit = session.scalar(select(AuditRow).where(AuditRow.action == "indicator.edit"))
        assert audit.old["target"] == "1240" and audit.new["target"] == "1300"
        assert audit.new["breakdown"]["镇雄县"] == "760" and audit.reason == "市政府常务会议调整"
    assert "修改目标" in client.get("/indicators/L02-1").text.split('id="history"')[1]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": ""}, "修改目标必须填写理由"),
        ({"target": "很多"}, "目标值“很多”不是数字"),
        ({"share.镇雄县": "600"}, "分解合计 1140 与市级目标 1240 不一致"),
        ({"lead_unit": "不存在的局"}, "牵头单位“不存在的局”不存在"),
    ],
)
def test_a_refused_edit_says_why_and_changes_nothing(client, factory, fields, message):
    token = log_in(client, "admin")
    response = _edit(client, token, **fields)
    assert response.status_code == 422
    assert message in response.text
    with factory() as session:
        assert session.scalar(select(IndicatorRow.target).where(IndicatorRow.code == "L02-1")) == 1240


def test_a_draft_breakdown_may_miss_the_target_but_the_fault_is_shown(client):
    token = log_in(client, "admin")
    assert _edit(client, token, breakdown_status="draft", **{"share.镇雄县": "600"}).status_code == 303
    assert "分解合计 1140 与市级目标 1240 不一致" in client.get("/plan/indicators/L02-1/edit").text
    assert "分解合计 1140" in client.get("/plan").text


def test_editing_is_refused_to_leaders_and_reporters(client):
    token = log_in(client, "leader")
    assert _edit(client, token).status_code == 403
    client.cookies.clear()
    token = log_in(client, "zhenxiong")
    assert _edit(client, token).status_code == 403


def test_ingest_review_shows_each_target_beside_its_marked_sentence_then_loads_the_accepted(client, factory):
    token = log_in(client, "admin")
    upload = client.post("/plan/ingest", data={"csrf_token": token},
                         files={"file": (DOCUMENT.name, DOCUMENT.read_bytes())}, follow_redirects=False)  # fmt: skip
    assert upload.status_code == 303
    review = client.get(upload.headers["location"]).text
    ids = re.findall(r'<tr data-id="([^"]+)">', review)
    assert len(ids) >= 3
    assert review.count("<mark>") >= len(ids) - 1
    form = {"csrf_token": token, f"{ids[0]}.decision": "reject", f"{ids[1]}.name": "改过的名称"}
    loaded = client.post(upload.headers["location"], data=form, follow_redirects=False)
    assert loaded.status_code == 303, loaded.text[:500]
    with factory() as session:
        plan = session.scalars(select(PlanRow).order_by(PlanRow.id.desc())).first()
        codes = set(session.scalars(select(IndicatorRow.code).where(IndicatorRow.plan_id == plan.id)))
        names = set(session.scalars(select(IndicatorRow.name).where(IndicatorRow.plan_id == plan.id)))
    assert ids[0] not in codes and set(ids[1:]) <= codes and "改过的名称" in names


def test_ingest_refuses_files_it_cannot_read(client):
    token = log_in(client, "admin")
    response = client.post("/plan/ingest", data={"csrf_token": token}, files={"file": ("a.exe", b"MZ")})
    assert response.status_code == 400 and "不是可读取的计划文档" in response.text
    assert client.get("/plan/ingest/../../etc").status_code == 404
    assert client.get("/plan/ingest/0123456789abcdef").status_code == 404


def test_ingest_review_puts_doubtful_targets_first_and_lets_the_office_change_comparator_and_unit(
    client, factory
):
    token = log_in(client, "admin")
    upload = client.post("/plan/ingest", data={"csrf_token": token},
                         files={"file": (DOCUMENT.name, DOCUMENT.read_bytes())}, follow_redirects=False)  # fmt: skip
    review = client.get(upload.headers["location"]).text
    rows = re.findall(r'<tr data-id="([^"]+)"( class="needs-review")?>', review)
    doubtful = [code for code, marked in rows if marked]
    assert doubtful and [code for code, _ in rows][: len(doubtful)] == doubtful
    assert f'<strong id="doubtful-count">{len(doubtful)}</strong>' in review
    code = rows[-1][0]
    form = {"csrf_token": token, f"{code}.comparator": ">=", f"{code}.unit": "栋"}
    assert client.post(upload.headers["location"], data=form, follow_redirects=False).status_code == 303
    with factory() as session:
        plan = session.scalars(select(PlanRow).order_by(PlanRow.id.desc())).first()
        row = session.scalars(select(IndicatorRow).where(IndicatorRow.plan_id == plan.id,
                                                         IndicatorRow.code == code)).one()  # fmt: skip
    assert (row.comparator, row.unit) == (">=", "栋")


def test_the_office_edits_a_target_in_its_display_unit_and_chooses_another(client, factory):
    token = log_in(client, "admin")
    form = client.get("/plan/indicators/L02-1/edit").text
    assert "目标值（公里）" in form and 'name="target" class="numeric" value="1240"' in form
    data = {"csrf_token": token, "comparator": "=", "target": "0.13", "entry_unit": "万公里", "display_unit": "万公里",
            "lead_unit": "市交通运输局", "breakdown_status": "confirmed", "share.镇雄县": "0.07", "share.昭阳区": "0.06",
            "reason": "按万公里列示"}  # fmt: skip
    assert client.post("/plan/indicators/L02-1/edit", data=data, follow_redirects=False).status_code == 303
    with factory() as session:
        row = session.scalar(select(IndicatorRow).where(IndicatorRow.code == "L02-1"))
        assert (row.target, row.display_unit) == (Decimal(1300), "万公里")
        assert sorted(t.value for t in row.unit_targets) == [600, 700]
        audit = session.scalar(select(AuditRow).where(AuditRow.action == "indicator.edit"))
        assert (audit.old["display_unit"], audit.new["display_unit"]) == ("公里", "万公里")
    assert "0.13万公里" in client.get("/indicators/L02-1").text
    again = client.get("/plan/indicators/L02-1/edit").text
    assert "目标值（万公里）" in again and 'name="target" class="numeric" value="0.13"' in again


def test_a_display_unit_that_does_not_fit_the_unit_is_refused(client, factory):
    token = log_in(client, "admin")
    response = _edit(client, token, display_unit="万元")
    assert response.status_code == 422
    assert "显示单位“万元”与计量单位“公里”不相符，应为公里、万公里、亿公里之一" in response.text
    with factory() as session:
        assert session.scalar(select(IndicatorRow.display_unit).where(IndicatorRow.code == "L02-1")) is None
