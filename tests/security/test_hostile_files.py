"""Small hostile files must not stop the server: a far-away cell, a docx zip bomb, a YAML alias bomb.

A small workbook that names a far-away cell (Z1048576) must not stop the server.
openpyxl takes such a sheet for a million rows; walking rows up to `max_row` ran for minutes and
gigabytes on the event loop, so no other request was answered. The upload is now refused by a bounded
scan of the sheet XML before openpyxl opens it, and parsed in a worker thread.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import duban.web.api
from duban.exchange.archive import LEDGER_LIMITS, TEMPLATE_LIMITS, workbook_fault
from duban.exchange.upload import Fault, ImportRefused
from duban.ingest.errors import IngestError
from duban.ingest.readers import read_docx_text
from duban.plan.planfile import PlanFileError, parse_plan_text
from duban.settings import Settings
from production.servers import duban_env, duban_server
from security.conftest import World
from web.conftest import log_in

SHEET_XML = "xl/worksheets/sheet1.xml"


def with_cells(workbook: bytes, rows_xml: str, member: str = SHEET_XML) -> bytes:
    """The workbook with `rows_xml` appended to one sheet's data; the rest copied byte for byte."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == member:
                data = data.replace(b"</sheetData>", rows_xml.encode() + b"</sheetData>")
            target.writestr(item, data)
    return out.getvalue()


def far_cell(workbook: bytes, ref: str = "Z1048576") -> bytes:
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return with_cells(workbook, f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>')


def many_cells(workbook: bytes, rows: int, columns: int, first_row: int = 100) -> bytes:
    cells = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{_letters(c)}{r}"><v>1</v></c>' for c in range(1, columns + 1))
        + "</row>"
        for r in range(first_row, first_row + rows)
    )
    return with_cells(workbook, cells)


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def test_the_reporters_template_with_one_far_cell_is_11_kb_and_refused_naming_the_cell(world: World):
    hostile = far_cell(world.template)
    assert len(hostile) < 16 * 1024
    started = time.perf_counter()
    fault = workbook_fault(hostile, limits=TEMPLATE_LIMITS)
    assert time.perf_counter() - started < 0.5
    assert fault is not None and "Z1048576" in fault and "超出允许的范围" in fault


def test_columns_and_cell_counts_are_bounded_too(world: World):
    wide = far_cell(world.template, "XFD10")
    assert "XFD10" in (workbook_fault(wide, limits=TEMPLATE_LIMITS) or "")
    crowded = many_cells(world.template, rows=1500, columns=60)
    patient = replace(TEMPLATE_LIMITS, seconds=60)  # the count, not the clock, must stop it on a busy machine
    assert "单元格超过" in (workbook_fault(crowded, limits=patient) or "")
    assert workbook_fault(crowded, limits=LEDGER_LIMITS) is None


def test_a_real_template_passes_the_bounded_scan(world: World):
    assert workbook_fault(world.template, limits=TEMPLATE_LIMITS) is None


def test_the_upload_page_refuses_the_11_kb_workbook_fast_naming_the_cell(session_as, world: World):
    client, token = session_as("zhenxiong")
    started = time.perf_counter()
    response = client.post(f"/entry/{world.victim_unit}/6/upload", data={"csrf_token": token},
                           files={"file": ("填报.xlsx", far_cell(world.template))})  # fmt: skip
    assert time.perf_counter() - started < 2
    assert response.status_code == 422 and "Z1048576" in response.text


def test_a_filled_cell_far_below_the_table_but_within_the_limits_is_one_named_fault(session_as, world: World):
    client, token = session_as("zhenxiong")
    hostile = far_cell(world.template, "C1500")
    response = client.post(f"/api/periods/{world.period_key}/units/{world.victim_unit}/upload",
                           files={"file": ("t.xlsx", hostile)}, headers={"X-CSRF-Token": token})  # fmt: skip
    assert response.status_code == 422
    beyond = [f for f in response.json()["detail"]["faults"] if "表格以下" in f]
    assert beyond == [
        "工作表“填报”单元格 C1500：第 1500 行远在模板的表格以下（表格止于第 5 行），请删除表格以下的内容"
    ]


@pytest.fixture
def server(settings: Settings, world: World, tmp_path: Path) -> Iterator[str]:
    env = duban_env(DUBAN_DATABASE_URL=settings.sqlalchemy_url(), DUBAN_SECRET_KEY="test-secret",
                    DUBAN_TODAY="2026-06-10", DUBAN_DATA_DIR=str(settings.data_dir))  # fmt: skip
    with duban_server(tmp_path, env) as base:
        yield base


def _health_times(base: str, stop: threading.Event, times: list[float]) -> None:
    with httpx.Client(base_url=base, timeout=10) as other:
        while not stop.is_set():
            started = time.perf_counter()
            other.get("/healthz").raise_for_status()
            times.append(time.perf_counter() - started)
            time.sleep(0.02)


def test_a_running_server_refuses_the_11_kb_workbook_fast_and_keeps_answering_others(
    server: str, world: World
):
    stop, times = threading.Event(), list[float]()
    watcher = threading.Thread(target=_health_times, args=(server, stop, times))
    with httpx.Client(base_url=server, timeout=60) as client:
        token = log_in(client, "zhenxiong")  # type: ignore[arg-type]
        watcher.start()
        started = time.perf_counter()
        response = client.post(f"/api/periods/{world.period_key}/units/{world.victim_unit}/upload",
                               files={"file": ("填报.xlsx", far_cell(world.template))},
                               headers={"X-CSRF-Token": token})  # fmt: skip
        took = time.perf_counter() - started
        time.sleep(0.2)
        stop.set()
        watcher.join()
    assert response.status_code == 422, response.text
    assert "Z1048576" in response.json()["detail"]["message"] + "".join(response.json()["detail"]["faults"])
    assert took < 2
    assert times and max(times) < 0.2, times


def test_a_slow_upload_is_parsed_off_the_event_loop(app, world: World, monkeypatch):
    answered, seen_while_parsing = threading.Event(), list[bool]()

    def slow_import(**_: object) -> None:  # parses until another client has had its answer
        seen_while_parsing.append(answered.wait(timeout=20))
        raise ImportRefused([Fault("慢")])

    monkeypatch.setattr(duban.web.api, "import_workbook", slow_import)
    with TestClient(app) as client:  # one event loop serves both requests, as in a server
        token = log_in(client, "zhenxiong")
        uploading = threading.Thread(target=lambda: client.post(
            f"/api/periods/{world.period_key}/units/{world.victim_unit}/upload",
            files={"file": ("t.xlsx", world.template)}, headers={"X-CSRF-Token": token}))  # fmt: skip
        uploading.start()
        time.sleep(0.5)
        assert client.get("/healthz").status_code == 200
        answered.set()
        uploading.join()
    # parsed on the event loop, /healthz could not be answered until the parse gave up waiting for it:
    # an order, not a time, so a busy machine cannot fail it (a wall-clock bound took 7.5 s at load 18)
    assert seen_while_parsing == [True]


def docx_bomb(markup: int) -> bytes:
    """A .docx-shaped archive whose document.xml unpacks to `markup` bytes of empty paragraphs."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        body = b"<w:p/>" * (markup // 6)
        archive.writestr(
            "word/document.xml", b'<w:document xmlns:w="w"><w:body>' + body + b"</w:body></w:document>"
        )
    return out.getvalue()


def test_a_docx_zip_bomb_is_refused_before_python_docx_reads_it():
    bomb = docx_bomb(40 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(IngestError, match="疑似压缩炸弹"):
        read_docx_text(bomb)
    assert time.perf_counter() - started < 1


def test_a_docx_with_more_markup_than_a_plan_has_is_refused_even_at_an_ordinary_ratio():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("word/document.xml", b"<w:p/>" * (3 * 1024 * 1024))
    with pytest.raises(IngestError, match=r"正文解压后达 18\.0 MB"):
        read_docx_text(out.getvalue())


ALIAS_BOMB = "\n".join(
    ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, 10)]
)


def test_a_yaml_alias_bomb_is_refused_at_its_first_alias_in_no_time():
    assert len(ALIAS_BOMB.encode()) < 1024
    started = time.perf_counter()
    with pytest.raises(PlanFileError) as refused:
        parse_plan_text(ALIAS_BOMB, name="bomb.yaml")
    assert time.perf_counter() - started < 1
    assert str(refused.value) == "bomb.yaml:2: YAML：计划文件不能使用别名（*l0），请把引用的内容直接写出"
