"""Stored files are served as the type their bytes show, as attachments, and no answer may be sniffed;
text that reached the store with a control character still makes valid Excel files."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from duban.persistence.models import EntryRow
from duban.persistence.supervision_models import SupervisionReplyRow
from duban.web.pages.common import HERE
from security.conftest import World

STATIC = HERE / "static" / "css"


def test_a_reply_file_named_svg_but_holding_a_pdf_is_served_as_a_pdf_attachment(factory: sessionmaker[Session],
                                                                                 world: World, session_as):  # fmt: skip
    with factory() as session, session.begin():
        session.get_one(SupervisionReplyRow, world.reply).evidence_name = "现场.svg"
    client, _ = session_as("admin")
    response = client.get(f"/supervision/items/{world.answered_item}/evidence/{world.reply}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert "%E7%8E%B0%E5%9C%BA.svg.pdf" in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_every_answer_says_nosniff(session_as, world: World):
    client, _ = session_as(None)
    for path in (
        "/login",
        "/healthz",
        "/no-such-page",
        "/static/css/" + sorted(p.name for p in STATIC.iterdir())[0],
    ):
        assert client.get(path).headers.get("x-content-type-options") == "nosniff", path


def test_a_control_character_in_a_stored_note_leaves_the_template_downloadable(
    factory: sessionmaker[Session], world: World, session_as
):
    with factory() as session, session.begin():
        session.get_one(EntryRow, world.entry).note = "按计划\x01推进\x0b"
    client, _ = session_as("zhenxiong")
    response = client.get(f"/api/periods/{world.period_key}/units/{world.victim_unit}/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["填报"]
    assert [sheet[f"M{n}"].value for n in range(5, sheet.max_row + 1) if sheet[f"M{n}"].value] == [
        "按计划推进"
    ]


def test_a_control_character_typed_into_a_note_is_refused_naming_the_field(session_as, world: World):
    client, token = session_as("zhenxiong")
    response = client.post(f"/entry/{world.victim_unit}/6", data={"csrf_token": token, "note": "备注\x07"})
    assert response.status_code == 400
    assert "“备注”中含有不可见的控制字符（U+0007）" in response.text


def test_a_control_character_in_a_text_field_of_an_upload_form_is_refused_naming_the_field(
    session_as, world: World
):
    client, token = session_as("zhenxiong")
    response = client.post(f"/entry/{world.victim_unit}/6/evidence", data={"csrf_token": token, "code": "L02-1\x1b"},
                           files={"file": ("photo.png", b"\x89PNG\r\n\x1a\n", "image/png")})  # fmt: skip
    assert response.status_code == 400
    assert "中含有不可见的控制字符（U+001B）" in response.text
