"""What a write costs the server besides its own work: worker-thread turns and round trips to the store.

Under load every turn on a worker thread is a wait in the thread pool's queue and work for the event loop
(the month-end rush's servers were bound by their event loops, their threads mostly idle), and every round
trip to PostgreSQL a wait for the GIL when it returns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, event

from duban.persistence import readcache
from duban.settings import Settings
from web.conftest import signed_in_clients

PERIOD = "2026-06"


@pytest.fixture
def clients(settings: Settings, seeded: None) -> Iterator[dict[str, TestClient]]:
    yield from signed_in_clients(settings, ["zhenxiong", "admin"])


@pytest.fixture
def turns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The functions run on the default thread pool (the route's dependencies and the route), by name."""
    taken: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, limiter: Any = None, **kwargs: Any) -> Any:
        if (
            limiter is None
        ):  # the commit's own pool (`capacity.finish`) and the page copies' are not the queue
            taken.append(getattr(getattr(func, "func", func), "__name__", repr(func)))
        return await run_sync(func, *args, limiter=limiter, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return taken


def _first_row(client: TestClient, unit_id: int) -> dict[str, Any]:
    sheet = client.get(f"/api/periods/{PERIOD}/units/{unit_id}/sheet")
    assert sheet.status_code == 200, sheet.text
    row: dict[str, Any] = sheet.json()["rows"][0]
    return row


def _save(client: TestClient, unit_id: int, row: dict[str, Any], value: str) -> dict[str, Any]:
    version = (row["entry"] or {}).get("version", 0)
    path = f"/api/periods/{PERIOD}/units/{unit_id}/indicators/{row['indicator_id']}"
    response = client.put(path, json={"value": value, "version": version, "note": "按计划推进"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_save_a_submit_and_a_return_each_take_two_turns_the_gate_and_the_route(clients, unit_ids, turns):
    reporter, office = clients["zhenxiong"], clients["admin"]
    unit = unit_ids["镇雄县"]
    row = _first_row(reporter, unit)
    turns.clear()
    saved = _save(reporter, unit, row, "12")
    assert len(turns) == 2, turns  # before: plan_params, db_session, optional_user, require_user, gate, save
    turns.clear()
    submitted = reporter.post(f"/api/periods/{PERIOD}/units/{unit}/submit")
    assert submitted.status_code == 200, submitted.text
    assert len(turns) == 2, turns
    turns.clear()
    returned = office.post(f"/api/entries/{saved['id']}/return", json={"reason": "请核实"})
    assert returned.status_code == 200, returned.text
    assert len(turns) == 2, turns


def _outside_a_transaction(dbapi_connection: Any) -> bool:
    if isinstance(dbapi_connection, sqlite3.Connection):
        return dbapi_connection.isolation_level is None  # the driver's autocommit: it begins none
    return bool(dbapi_connection.info.transaction_status == TransactionStatus.IDLE)


def test_the_login_check_reads_outside_a_transaction(clients, unit_ids):
    """One round trip on PostgreSQL (the read), where a transaction adds its BEGIN and ROLLBACK."""
    reporter = clients["zhenxiong"]
    seen: list[bool] = []

    def after(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "app_user.session_version" in statement and "org_unit.path" in statement:
            seen.append(_outside_a_transaction(conn.connection.dbapi_connection))

    event.listen(Engine, "after_cursor_execute", after)
    try:
        _first_row(reporter, unit_ids["镇雄县"])
    finally:
        event.remove(Engine, "after_cursor_execute", after)
    assert seen == [True]


def test_a_submit_reads_its_period_once(clients, unit_ids):
    reporter = clients["zhenxiong"]
    unit = unit_ids["镇雄县"]
    _save(reporter, unit, _first_row(reporter, unit), "12")
    reads: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM period" in statement:
            reads.append(statement)

    readcache.forget()  # the save's period is remembered (`persistence.storedrows`): the submit reads it once, not per figure
    event.listen(Engine, "before_cursor_execute", before)
    try:
        submitted = reporter.post(f"/api/periods/{PERIOD}/units/{unit}/submit")
    finally:
        event.remove(Engine, "before_cursor_execute", before)
    assert submitted.status_code == 200, submitted.text
    assert len(reads) == 1, reads


def test_the_writes_answered_as_is_still_say_they_answer_a_json_object(
    clients: dict[str, TestClient],
) -> None:
    """Skipping the answer's check must not take the answer out of the API's description."""
    paths = clients["admin"].get("/api/openapi.json").json()["paths"]
    writes = [paths["/api/periods/{key}/units/{unit_id}/indicators/{indicator_id}"]["put"],
              paths["/api/periods/{key}/units/{unit_id}/submit"]["post"],
              paths["/api/entries/{entry_id}/submit"]["post"], paths["/api/entries/{entry_id}/return"]["post"]]  # fmt: skip
    for operation in writes:
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["type"] == "object"
