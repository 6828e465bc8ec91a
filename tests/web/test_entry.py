"""Data entry, review, Excel and evidence through the pages, with every permission enforced server-side."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from duban.persistence.models import AuditRow, EntryRow
from web.conftest import log_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _entry(factory, code_id=None):
    with factory() as session:
        return session.scalars(select(EntryRow).order_by(EntryRow.id.desc())).first()


def _save(client, token, unit_id, fields, action="draft", month=6):
    return client.post(f"/entry/{unit_id}/{month}", data={"csrf_token": token, "action": action, **fields},
                       follow_redirects=False)  # fmt: skip


def test_a_reporter_is_sent_to_the_own_units_form_for_the_open_month(client, unit_ids):
    log_in(client, "zhenxiong")
    response = client.get("/entry", follow_redirects=False)
    assert response.headers["location"] == f"/entry/{unit_ids['镇雄县']}?month=6"
    page = client.get(response.headers["location"]).text
    assert "镇雄县 · 2026年6月进度填报" in page and 'name="L02-1.value"' in page


def test_a_reporter_may_not_open_or_post_another_countys_form(client, unit_ids):
    token = log_in(client, "zhenxiong")
    other = unit_ids["昭阳区"]
    page = client.get(f"/entry/{other}")
    assert page.status_code == 403 and "只能填报和修改本单位的数据" in page.text
    assert _save(client, token, other, {"L02-1.value": "100"}).status_code == 403
    assert client.get(f"/entry/{other}/6/template.xlsx").status_code == 403


def test_saving_without_the_csrf_token_is_refused(client, unit_ids):
    log_in(client, "zhenxiong")
    response = client.post(f"/entry/{unit_ids['镇雄县']}/6", data={"L02-1.value": "100"})
    assert response.status_code == 403


def test_draft_then_submit_then_approve_makes_the_figure_official(client, unit_ids, factory):
    unit = unit_ids["镇雄县"]
    token = log_in(client, "zhenxiong")
    response = _save(
        client, token, unit, {"L02-1.value": "420", "L02-1.version": "0", "L02-1.note": "进展顺利"}
    )
    assert response.status_code == 303
    assert "已保存 1 项草稿" in client.get(f"/entry/{unit}?month=6").text
    assert _entry(factory).state == "draft"
    _save(client, token, unit, {"L02-1.value": "420", "L02-1.version": "1"}, action="submit")
    assert _entry(factory).state == "submitted"
    client.cookies.clear()
    token = log_in(client, "admin")
    entry = _entry(factory)
    assert f'id="review-{entry.id}"' in client.get("/review").text
    done = client.post(f"/review/{entry.id}/approve", data={"csrf_token": token}, headers={"X-Partial": "1"})
    assert done.status_code == 200 and "审核通过" in done.text
    assert _entry(factory).official_value == 420
    roads = {c["name"]: c for c in client.get("/map/data?month=6&measure=L02-1").json()["counties"]}
    assert roads["镇雄县"]["value"] == 60.0 and roads["昭阳区"]["value"] is None


def test_a_wrong_figure_is_shown_inline_and_nothing_is_saved(client, unit_ids, factory):
    unit = unit_ids["镇雄县"]
    token = log_in(client, "zhenxiong")
    response = _save(client, token, unit, {"L02-1.value": "N/A", "L02-1.version": "0"})
    assert response.status_code == 422
    assert "未保存" in response.text and "不是数字" in response.text
    assert 'value="N/A"' in response.text  # what was typed is kept for correcting
    assert _entry(factory) is None


def test_the_inline_check_answers_a_fragment_for_one_row(client, unit_ids):
    unit = unit_ids["镇雄县"]
    token = log_in(client, "zhenxiong")
    url = f"/entry/{unit}/6/check"
    bad = client.post(url, data={"code": "L02-1", "L02-1.value": "-5"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 200 and 'class="error"' in bad.text and "负数" in bad.text
    behind = client.post(url, data={"code": "L02-1", "L02-1.value": "10"}, headers={"X-CSRF-Token": token})
    assert "须在备注中说明原因" in behind.text
    good = client.post(url, data={"code": "L02-1", "L02-1.value": "400"}, headers={"X-CSRF-Token": token})
    assert "校验通过" in good.text


def test_returning_needs_a_reason_and_the_reporter_sees_it(client, unit_ids, factory):
    unit = unit_ids["镇雄县"]
    token = log_in(client, "zhenxiong")
    _save(client, token, unit, {"L02-1.value": "420", "L02-1.version": "0"}, action="submit")
    client.cookies.clear()
    token = log_in(client, "admin")
    entry = _entry(factory)
    refused = client.post(f"/review/{entry.id}/return", data={"csrf_token": token, "reason": " "},
                          headers={"Accept": "application/json"})  # fmt: skip
    assert refused.status_code == 409 and "退回必须说明理由" in refused.json()["detail"]
    client.post(f"/review/{entry.id}/return", data={"csrf_token": token, "reason": "与佐证<b>不符</b>"})
    assert _entry(factory).state == "returned"
    client.cookies.clear()
    log_in(client, "zhenxiong")
    page = client.get(f"/entry/{unit}?month=6").text
    assert "退回理由：与佐证&lt;b&gt;不符&lt;/b&gt;" in page


def test_user_text_is_escaped_on_the_review_page(client, unit_ids, factory):
    token = log_in(client, "zhenxiong")
    note = "<script>alert(1)</script>"
    _save(client, token, unit_ids["镇雄县"], {"L02-1.value": "420", "L02-1.note": note}, action="submit")
    client.cookies.clear()
    log_in(client, "admin")
    page = client.get("/review").text
    assert note not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_office_approves_a_whole_unit_at_once(client, unit_ids, factory):
    token = log_in(client, "zhenxiong")
    _save(client, token, unit_ids["镇雄县"], {"L02-1.value": "420"}, action="submit")
    client.cookies.clear()
    token = log_in(client, "admin")
    response = client.post(
        "/review/approve-unit",
        data={"csrf_token": token, "unit": unit_ids["镇雄县"], "month": 6},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _entry(factory).state == "approved"


def test_the_review_queue_is_the_offices_only(client, unit_ids, factory):
    token = log_in(client, "zhenxiong")
    _save(client, token, unit_ids["镇雄县"], {"L02-1.value": "420"}, action="submit")
    entry = _entry(factory)
    assert client.post(f"/review/{entry.id}/approve", data={"csrf_token": token}).status_code == 403


def test_the_excel_template_downloads_and_uploads_back(client, unit_ids, factory):
    unit = unit_ids["镇雄县"]
    token = log_in(client, "zhenxiong")
    download = client.get(f"/entry/{unit}/6/template.xlsx")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert "attachment" in download.headers["content-disposition"]
    book = load_workbook(io.BytesIO(download.content))
    sheet = book["填报"]
    row = next(r for r in range(5, sheet.max_row + 1) if sheet[f"B{r}"].value == "L02-1")
    sheet[f"H{row}"] = 430
    buffer = io.BytesIO()
    book.save(buffer)
    upload = client.post(f"/entry/{unit}/6/upload", data={"csrf_token": token},
                         files={"file": ("镇雄.xlsx", buffer.getvalue())}, follow_redirects=False)  # fmt: skip
    assert upload.status_code == 303, upload.text
    entry = _entry(factory)
    assert entry.value == 430 and entry.state == "submitted"


def test_a_broken_excel_upload_lists_its_faults(client, unit_ids):
    token = log_in(client, "zhenxiong")
    response = client.post(f"/entry/{unit_ids['镇雄县']}/6/upload", data={"csrf_token": token},
                           files={"file": ("x.xlsx", b"not a workbook")})  # fmt: skip
    assert response.status_code == 422
    assert "Excel 未导入" in response.text and re.search(r'<ul id="faults">\s*<li>', response.text)


def test_evidence_is_uploaded_for_a_saved_figure_and_checked_by_content(client, unit_ids, factory):
    unit = unit_ids["镇雄县"]
    token = log_in(client, "zhenxiong")
    early = client.post(f"/entry/{unit}/6/evidence", data={"csrf_token": token, "code": "L02-1"},
                        files={"file": ("a.png", PNG)})  # fmt: skip
    assert early.status_code == 400 and "请先保存该项数据" in early.text
    _save(client, token, unit, {"L02-1.value": "420"})
    fake = client.post(f"/entry/{unit}/6/evidence", data={"csrf_token": token, "code": "L02-1"},
                       files={"file": ("a.png", b"MZ\x90\x00")})  # fmt: skip
    assert fake.status_code == 400 and "不是允许的文件类型" in fake.text
    ok = client.post(f"/entry/{unit}/6/evidence", data={"csrf_token": token, "code": "L02-1"},
                     files={"file": ("现场照片.png", PNG)}, follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303
    link = re.search(r'href="(/evidence/\d+)">现场照片.png', client.get(f"/entry/{unit}?month=6").text).group(
        1
    )
    assert client.get(link).content == PNG
    client.cookies.clear()
    log_in(client, "zhaoyang")
    assert client.get(link).status_code == 403


def test_the_indicator_history_shows_who_changed_what(client, unit_ids, factory):
    token = log_in(client, "zhenxiong")
    _save(client, token, unit_ids["镇雄县"], {"L02-1.value": "420"}, action="submit")
    page = client.get("/indicators/L02-1?month=6").text
    history = page.split('id="history"')[1]
    assert "提交" in history and "填报" in history and "镇雄县 · 6 月" in history
    with factory() as session:
        assert session.scalar(select(AuditRow).where(AuditRow.action == "entry.submit")) is not None
