"""Bulletin downloads from the web app: who may have which bulletin, and the files themselves."""

import re
from io import BytesIO
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from duban.settings import Settings
from duban.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def app(demo_url, tmp_path_factory):
    settings = Settings(database_url=demo_url, data_dir=tmp_path_factory.mktemp("web"), secret_key="test-secret",
                        today="2026-11-27")  # fmt: skip
    return create_app(settings)


def client_for(app, username: str | None) -> TestClient:
    client = TestClient(app)
    if username:
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)[1]
        response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                               follow_redirects=False)  # fmt: skip
        assert response.status_code == 303, response.text
    return client


def sheet_title(response) -> str:
    return load_workbook(BytesIO(response.content))["通报"]["A4"].value


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        (None, "/reports/2026-10.xlsx", 401),
        ("admin", "/reports/2026-10.xlsx", 200),
        ("leader", "/reports/2026-10.xlsx?unit=彝良县", 200),
        ("zhenxiong", "/reports/2026-10.xlsx", 200),
        ("zhenxiong", "/reports/2026-10.xlsx?unit=镇雄县", 200),
        ("zhenxiong", "/reports/2026-10.xlsx?unit=彝良县", 403),
        ("fgw", "/reports/2026-10.xlsx", 403),
        ("admin", "/reports/2026-10.html", 404),
        ("admin", "/reports/2026-13.xlsx", 404),
        ("admin", "/reports/2026-10.xlsx?unit=市交通运输局", 404),
    ],
)
def test_who_may_download_what(app, user, path, status):
    response = client_for(app, user).get(path, follow_redirects=False)
    if user is None:
        assert response.status_code in (401, 303, 307)
        return
    assert response.status_code == status, response.text


def test_city_bulletin_download(app):
    response = client_for(app, "leader").get("/reports/2026-10.xlsx")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert unquote(response.headers["content-disposition"]).endswith("督查通报-2026-10.xlsx")
    assert sheet_title(response) == "关于2026年1—10月全市重点工作推进情况的通报"


def test_county_reporter_gets_own_county_bulletin(app):
    response = client_for(app, "zhenxiong").get("/reports/2026-10.xlsx")
    assert unquote(response.headers["content-disposition"]).endswith("督查通报-2026-10-镇雄县.xlsx")
    assert sheet_title(response) == "关于镇雄县2026年1—10月重点工作推进情况的通报"


def test_word_download(app):
    response = client_for(app, "admin").get("/reports/2026-10.docx?unit=镇雄县")
    assert response.status_code == 200
    assert response.content[:2] == b"PK"


def test_the_form_sets_number_and_date(app):
    admin = client_for(app, "admin")
    page = admin.get("/reports").text
    assert 'action="/reports/file"' in page and 'name="number"' in page and 'name="date"' in page
    response = admin.get("/reports/file", params={"period": "2026-10", "fmt": "xlsx", "unit": "", "number": "12",
                                                  "date": "2026-11-30"})  # fmt: skip
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["通报"]
    assert sheet["A3"].value == "昭政督通〔2026〕12号"
    assert admin.get("/reports/file", params={"period": "2026-10", "number": "x"}).status_code == 422
    assert admin.get("/reports/file", params={"period": "2026-10", "date": "30/11"}).status_code == 422
    assert admin.get("/reports/file", params={"period": "2026-10", "number": "auto"}).status_code == 404
