"""督办 pages and API: the county signs for, answers and is returned once; the office closes; scope and CSRF hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from duban.persistence.db import transaction
from duban.services.supervision import apply_rules
from duban.settings import Settings
from duban.web.app import create_app
from supervision.scenario import report_june, setup_plan
from web.conftest import log_in

PDF = b"%PDF-1.4 photos of the new road"


@pytest.fixture
def app_settings(db_url, tmp_path) -> Settings:
    return Settings(
        database_url=db_url, data_dir=tmp_path / "data", secret_key="test-secret", today="2026-07-02"
    )


@pytest.fixture
def item_id(factory) -> int:
    with transaction(factory) as session:
        row = setup_plan(session)
        report_june(session)
        return apply_rules(session=session, plan_row=row, month=6, today=date(2026, 7, 1)).opened[0]


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


@pytest.fixture
def clients(app_settings, item_id) -> Iterator[dict[str, tuple[TestClient, str]]]:
    made = {name: _client(app_settings) for name in ("admin", "zhenxiong", "zhaoyang")}
    yield {name: (client, log_in(client, name)) for name, client in made.items()}
    for client in made.values():
        client.close()


def _post(clients, who, path, **kwargs):
    client, token = clients[who]
    data = {"csrf_token": token} | kwargs.pop("data", {})
    return client.post(path, data=data, follow_redirects=False, **kwargs)


def test_the_item_is_signed_answered_returned_answered_again_and_closed(clients, item_id):
    base = f"/supervision/items/{item_id}"
    county, _ = clients["zhenxiong"]
    assert "30户以上自然村通硬化路里程（镇雄县）" in county.get("/supervision/inbox").text
    assert _post(clients, "zhenxiong", f"{base}/sign").status_code == 303
    first = _post(clients, "zhenxiong", f"{base}/answer", data={"text": "已召开专题会议"},
                  files={"evidence": ("纪要.pdf", PDF, "application/pdf")})  # fmt: skip
    assert first.status_code == 303
    assert _post(clients, "admin", f"{base}/return", data={"reason": "未说明完工时间"}).status_code == 303
    page = county.get(base).text
    assert "未说明完工时间" in page and "已退回 1 次" in page
    assert _post(clients, "zhenxiong", f"{base}/answer", data={"text": "9月底前完成"}).status_code == 303
    assert _post(clients, "admin", f"{base}/close", data={"note": "同意办结"}).status_code == 303
    page = clients["admin"][0].get(base).text
    assert "已办结" in page
    steps = [s for s in ("立项交办", "签收", "反馈", "退回", "反馈", "办结")]
    history = page[page.index("办理过程") :]
    positions = [history.index(s, history.index(steps[i - 1]) + 1 if i else 0) for i, s in enumerate(steps)]
    assert positions == sorted(positions)
    evidence = county.get(f"{base}/evidence/1")
    assert (evidence.status_code, evidence.content) == (200, PDF)


def test_another_county_can_neither_see_nor_sign_the_item(clients, item_id):
    other, _ = clients["zhaoyang"]
    assert other.get(f"/supervision/items/{item_id}").status_code == 403
    assert _post(clients, "zhaoyang", f"/supervision/items/{item_id}/sign").status_code == 403
    assert "没有在办的督办事项" in other.get("/supervision/inbox").text


def test_only_the_office_returns_or_closes(clients, item_id):
    _post(clients, "zhenxiong", f"/supervision/items/{item_id}/sign")
    _post(clients, "zhenxiong", f"/supervision/items/{item_id}/answer", data={"text": "done"})
    assert _post(clients, "zhenxiong", f"/supervision/items/{item_id}/close").status_code == 403


def test_a_step_without_the_csrf_token_is_refused(clients, item_id):
    county, _ = clients["zhenxiong"]
    response = county.post(f"/supervision/items/{item_id}/sign", follow_redirects=False)
    assert response.status_code == 403
    assert "待签收" in county.get(f"/supervision/items/{item_id}").text


def test_an_empty_reply_is_refused_with_a_message_on_the_page(clients, item_id):
    _post(clients, "zhenxiong", f"/supervision/items/{item_id}/sign")
    response = _post(clients, "zhenxiong", f"/supervision/items/{item_id}/answer", data={"text": " "})
    assert response.status_code == 400
    assert "反馈内容不能为空" in response.text


def test_the_office_list_groups_items_by_colour_and_unit(clients, item_id):
    admin, _ = clients["admin"]
    page = admin.get("/supervision").text
    assert "在办 1 件" in page and "红色 1" in page and "<h3>镇雄县" in page
    assert "没有符合条件" in admin.get("/supervision?colour=blue").text
    county, _ = clients["zhenxiong"]
    assert county.get("/supervision", follow_redirects=False).headers["location"] == "/supervision/inbox"


def test_the_json_api(clients, item_id):
    admin, _ = clients["admin"]
    county, token = clients["zhenxiong"]
    assert [i["unit"] for i in admin.get("/api/supervision/items").json()] == ["镇雄县"]
    assert admin.get("/api/supervision/counts").json()["red"] == 1
    assert clients["zhaoyang"][0].get("/api/supervision/items").json() == []
    signed = county.post(f"/api/supervision/items/{item_id}/sign", headers={"X-CSRF-Token": token}, json={})
    assert (signed.status_code, signed.json()["state"]) == (200, "handling")
    refused = county.post(
        f"/api/supervision/items/{item_id}/answer", headers={"X-CSRF-Token": token}, json={"text": ""}
    )
    assert (refused.status_code, refused.json()["detail"]) == (400, "反馈内容不能为空")
    assert county.post(f"/api/supervision/items/{item_id}/sign", json={}).status_code == 403
    assert TestClient(admin.app).get("/api/supervision/items").status_code == 401
    history = admin.get(f"/api/supervision/items/{item_id}").json()["history"]
    assert [(h["action"], h["by"]) for h in history] == [
        ("supervision.open", None),
        ("supervision.sign", "zhenxiong"),
    ]


def test_signing_twice_is_a_conflict_page_not_an_error(clients, item_id):
    assert _post(clients, "zhenxiong", f"/supervision/items/{item_id}/sign").status_code == 303
    again = _post(clients, "zhenxiong", f"/supervision/items/{item_id}/sign")
    assert again.status_code == 409 and "不能签收" in again.text and "30户以上自然村通硬化路" in again.text
    county, token = clients["zhenxiong"]
    api = county.post(f"/api/supervision/items/{item_id}/sign", headers={"X-CSRF-Token": token}, json={})
    assert api.status_code == 409 and "不能签收" in api.json()["detail"]


def test_a_sign_someone_else_made_meanwhile_is_a_conflict_page_not_a_500(
    clients, item_id, factory, monkeypatch
):
    import duban.web.supervision as pages
    from duban.services.supervision import get_item, sign

    visible = pages._visible_item

    def read_while_a_colleague_signs(request, user, wanted):
        item = visible(request, user, wanted)  # this request has read the item as not yet signed…
        with transaction(factory) as other:  # …when the other click's request signs it
            sign(
                session=other,
                item=get_item(session=other, item_id=wanted),
                user_id=None,
                today=date(2026, 7, 2),
            )
        return item

    monkeypatch.setattr(pages, "_visible_item", read_while_a_colleague_signs)
    late = _post(clients, "zhenxiong", f"/supervision/items/{item_id}/sign")
    assert late.status_code == 409 and "刚被他人处理" in late.text
