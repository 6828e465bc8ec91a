import re
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from duban.choices import Role
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from services.test_entries import reporting_plan
from web.conftest import PASSWORD, log_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url, data_dir=tmp_path / "data", secret_key="test-secret", today="2026-06-10"
    )


@pytest.fixture
def seeded(factory):
    with factory() as session, session.begin():
        save_plan(session=session, plan=reporting_plan())
        add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN, display_name="督查室")
        add_user(session=session, username="leader", password=PASSWORD, role=Role.LEADER)
        add_user(session=session, username="zhenxiong", password=PASSWORD, role=Role.REPORTER, unit="镇雄县",
                 display_name="镇雄填报员")  # fmt: skip
        add_user(session=session, username="zhaoyang", password=PASSWORD, role=Role.REPORTER, unit="昭阳区")


@pytest.fixture
def client(settings, seeded):
    with TestClient(create_app(settings)) as client:
        yield client


def switch(client, username):
    client.cookies.clear()
    client.headers.pop("X-CSRF-Token", None)
    token = log_in(client, username)
    client.headers["X-CSRF-Token"] = token
    return token


def unit_id(client, name="镇雄县"):
    return next(u["id"] for u in client.get("/api/units").json() if u["name"] == name)


def rows_by_code(client, unit):
    sheet = client.get(f"/api/periods/2026-06/units/{unit}/sheet").json()
    return {row["code"]: row for row in sheet["rows"]}


def fill(content: bytes) -> bytes:
    workbook = load_workbook(BytesIO(content))
    ws = workbook["填报"]
    for n in range(5, ws.max_row + 1):
        code = ws[f"B{n}"].value
        if code == "L02-1":
            ws[f"H{n}"] = 370
        elif code == "L03-1":
            ws[f"I{n}"], ws[f"J{n}"] = 36, 48
        elif code == "M-1":
            ws[f"K{n}"], ws[f"L{n}"] = "已完成", date(2026, 5, 30)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_period_end_to_end(client):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    download = client.get(f"/api/periods/2026-06/units/{zx}/template.xlsx")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    files = {"file": ("镇雄县.xlsx", fill(download.content), "application/octet-stream")}
    uploaded = client.post(f"/api/periods/2026-06/units/{zx}/upload", files=files)
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["submitted"] and len(uploaded.json()["entries"]) == 3
    roads = rows_by_code(client, zx)["L02-1"]["entry"]

    switch(client, "admin")
    returned = client.post(f"/api/entries/{roads['id']}/return", json={"reason": "与公路台账不符,请核实"})
    assert returned.json()["state"] == "returned"
    status = {r["unit"]: r["state_label"] for r in client.get("/api/periods/2026-06/status").json()}
    assert status["昭阳区"] == "未报送" and status["镇雄县"] in ("按时报送", "逾期报送")

    switch(client, "zhenxiong")
    assert client.get(f"/api/entries/{roads['id']}").json()["return_reason"] == "与公路台账不符,请核实"
    current = client.get(f"/api/entries/{roads['id']}").json()
    corrected = client.put(f"/api/periods/2026-06/units/{zx}/indicators/{roads['indicator_id']}",
                           json={"value": "365", "version": current["version"]})  # fmt: skip
    assert corrected.status_code == 200, corrected.text
    assert client.post(f"/api/periods/2026-06/units/{zx}/submit").status_code == 200
    assert client.get(f"/api/entries/{roads['id']}").json()["official_value"] is None

    switch(client, "admin")
    approved = client.post(f"/api/periods/2026-06/units/{zx}/approve").json()["approved"]
    assert len(approved) == 3
    assert client.get(f"/api/entries/{roads['id']}").json()["official_value"] == "365"
    steps = client.get(f"/api/entries/{roads['id']}/history").json()
    assert [(s["action_label"], s["user"]) for s in steps] == [
        ("填报", "镇雄填报员"), ("提交", "镇雄填报员"), ("退回", "督查室"), ("填报", "镇雄填报员"),
        ("提交", "镇雄填报员"), ("审核通过", "督查室"),
    ]  # fmt: skip
    assert steps[2]["reason"] == "与公路台账不符,请核实"
    assert [s["new"]["value"] for s in steps if s["action_label"] == "填报"] == ["370", "365"]
    beijing_today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    as_of = client.get(f"/api/entries/{roads['id']}/as-of", params={"on": beijing_today}).json()
    assert as_of["value"] == "365"


@pytest.fixture
def reporter(client):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    return zx, rows_by_code(client, zx)


def put(client, unit, indicator_id, **body):
    return client.put(f"/api/periods/2026-06/units/{unit}/indicators/{indicator_id}", json=body)


def test_problems_come_back_in_chinese_per_field(client, reporter):
    zx, rows = reporter
    answer = put(client, zx, rows["L03-1"]["indicator_id"], numerator="N/A", denominator="48")
    assert answer.status_code == 422
    assert answer.json()["detail"]["problems"] == [
        {
            "field": "numerator",
            "label": "分子",
            "message": "“N/A”不是数字，请填写数值（确无发生请填 0）",
            "warning": False,
        }
    ]


def test_the_second_editor_gets_a_conflict_and_keeps_their_input(client, reporter):
    zx, rows = reporter
    road = rows["L02-1"]["indicator_id"]
    assert put(client, zx, road, value="370", version=0).status_code == 200
    assert put(client, zx, road, value="372", version=1).status_code == 200
    stale = put(client, zx, road, value="380", version=1)
    assert stale.status_code == 409
    assert re.match(r"该数据已被镇雄填报员于.*修改（当前值 372）", stale.json()["detail"]["message"])
    assert stale.json()["detail"]["current"]["version"] == 2


@pytest.mark.parametrize(
    ("who", "status"),
    [("zhaoyang", 403), ("leader", 403)],
)
def test_writes_are_scoped_to_the_users_unit(client, who, status):
    switch(client, "zhenxiong")
    zx = unit_id(client)
    road = rows_by_code(client, zx)["L02-1"]["indicator_id"]
    switch(client, who)
    assert put(client, zx, road, value="1", version=0).status_code == status
    assert client.get(f"/api/periods/2026-06/units/{zx}/sheet").status_code == (
        403 if who == "zhaoyang" else 200
    )


def test_state_changing_routes_need_the_csrf_header(client, reporter):
    zx, rows = reporter
    del client.headers["X-CSRF-Token"]
    assert put(client, zx, rows["L02-1"]["indicator_id"], value="1").status_code == 403


def test_anonymous_requests_are_refused(client):
    assert client.get("/api/periods").status_code == 401


def test_only_the_office_reviews_locks_and_reopens(client, reporter):
    zx, rows = reporter
    assert client.post("/api/periods/2026-06/lock", json={}).status_code == 403
    switch(client, "admin")
    assert client.post("/api/periods/2026-06/lock", json={"reason": "已审核"}).status_code == 200
    switch(client, "zhenxiong")
    locked = put(client, zx, rows["L02-1"]["indicator_id"], value="1")
    assert locked.status_code == 423 and "已锁定" in locked.json()["detail"]
    switch(client, "admin")
    assert client.post("/api/periods/2026-06/reopen", json={"reason": ""}).status_code == 409
    assert client.post("/api/periods/2026-06/reopen", json={"reason": "补报"}).status_code == 200


def test_evidence_upload_download_and_type_check(client, reporter):
    zx, rows = reporter
    entry = put(client, zx, rows["L02-1"]["indicator_id"], value="370").json()
    added = client.post(
        f"/api/entries/{entry['id']}/evidence", files={"file": ("现场.png", PNG, "image/png")}
    )
    assert added.status_code == 200 and added.json()["content_type"] == "image/png"
    assert client.get(f"/api/evidence/{added.json()['id']}/file").content == PNG
    fake = client.post(
        f"/api/entries/{entry['id']}/evidence", files={"file": ("a.pdf", b"MZ...", "application/pdf")}
    )
    assert fake.status_code == 409 and "不是允许的文件类型" in fake.json()["detail"]


def test_openapi_describes_the_reporting_api(client):
    log_in(client, "admin")
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/periods", "/api/periods/{key}/status", "/api/periods/{key}/units/{unit_id}/upload",
                 "/api/entries/{entry_id}/history", "/api/entries/{entry_id}/as-of", "/api/periods/{key}/reopen"):  # fmt: skip
        assert path in paths
