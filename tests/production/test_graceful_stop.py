"""`duban serve` stops within its bound when told to (SIGTERM) in the middle of a month-end rush, and every save
it acknowledged is in the store with its audit record, none half-done."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from duban.cli.site import GRACEFUL_STOP_SECONDS
from duban.persistence.models import AuditRow, EntryRow
from production.servers import duban_env, free_port, wait_until
from web.conftest import PASSWORD, TODAY, seeded  # noqa: F401

PERIOD = "2026-06"
SAVERS = 12
READERS = 4
# the stop's bound: uvicorn's grace, then a request already inside a thread finishes its own transaction
BOUND = GRACEFUL_STOP_SECONDS + 10


def log_in(client: httpx.Client, username: str) -> httpx.Client:
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert token
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token[1]})
    page = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/plan").text)
    assert page
    client.headers["X-CSRF-Token"] = page[1]
    return client


class Rush:
    """Reporters saving their figures and leaders opening the dashboard until the server stops answering."""

    def __init__(self, base: str) -> None:
        self.base, self.lock = base, threading.Lock()
        self.acked: dict[int, list[str]] = {}  # entry id: the values acknowledged
        self.sent: dict[int, set[Decimal]] = {}  # indicator id: every value sent
        self.stop = threading.Event()
        self.answers: list[str] = []
        self.threads = [threading.Thread(target=self.save, args=("zhenxiong", n)) for n in range(SAVERS)]
        self.threads += [threading.Thread(target=self.read) for _ in range(READERS)]

    def under_way(self, seconds: float) -> None:
        """Wait until the rush has had some saves acknowledged (logging in takes a while on a busy machine)."""
        deadline = time.monotonic() + seconds
        while sum(map(len, self.acked.values())) < 2 * SAVERS:
            assert time.monotonic() < deadline, f"no saves acknowledged: {self.answers[:3]}"
            time.sleep(0.2)

    def save(self, username: str, n: int) -> None:
        try:
            self.save_until_stopped(username, n)
        except httpx.HTTPError:
            return  # the server stopped

    def save_until_stopped(self, username: str, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as client:
            log_in(client, username)
            unit = next(u["id"] for u in client.get("/api/units").json() if u["name"] == "镇雄县")
            sheet = f"/api/periods/{PERIOD}/units/{unit}/sheet"
            rows = [r for r in client.get(sheet).json()["rows"] if r["mode"] == "value"]
            for round_ in range(10_000):
                if self.stop.is_set():
                    return
                row = rows[(n + round_) % len(rows)]
                value = str(10_000 * (n + 1) + round_)
                with self.lock:
                    self.sent.setdefault(row["indicator_id"], set()).add(Decimal(value))
                path = f"/api/periods/{PERIOD}/units/{unit}/indicators/{row['indicator_id']}"
                version = (row["entry"] or {}).get("version", 0)
                answer = client.put(
                    path, json={"value": value, "confirmed": True, "note": "按计划推进", "version": version}
                )
                if answer.status_code == 409:  # another reporter saved it first: read the figures again
                    rows = [r for r in client.get(sheet).json()["rows"] if r["mode"] == "value"]
                self.answers.append(f"{answer.status_code} {answer.text[:300]}")
                if answer.status_code == 200:
                    row["entry"] = answer.json()
                if answer.status_code == 200:
                    with self.lock:
                        self.acked.setdefault(answer.json()["id"], []).append(value)

    def read(self) -> None:
        try:
            with httpx.Client(base_url=self.base, timeout=60) as client:
                log_in(client, "leader")
                while not self.stop.is_set():
                    client.get("/")
        except httpx.HTTPError:
            return  # the server stopped


@pytest.mark.slow
def test_sigterm_in_a_rush_stops_within_the_bound_and_keeps_every_acknowledged_save(
    db_url: str, seeded: None, factory: sessionmaker[Session], tmp_path: Path  # noqa: F811
) -> None:  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = duban_env(DUBAN_DATABASE_URL=db_url, DUBAN_SECRET_KEY="stop", DUBAN_TODAY=TODAY,
                    DUBAN_DATA_DIR=str(tmp_path))  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "duban.cli", "serve", "--port", str(port), "--workers", "1"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)  # fmt: skip
        try:
            wait_until(f"{base}/healthz", server, log)
            rush = Rush(base)
            for thread in rush.threads:
                thread.start()
            rush.under_way(seconds=120)
            server.send_signal(signal.SIGTERM)
            sent = time.monotonic()
            server.wait(timeout=120)
            took = time.monotonic() - sent
        finally:
            if server.poll() is None:
                server.kill()
            rush.stop.set()
    for thread in rush.threads:
        thread.join(timeout=60)
    print(f"stopped {took:.1f} s after SIGTERM")
    assert took < BOUND, f"stopped {took:.1f} s after SIGTERM\n{log.read_text(encoding='utf-8')}"
    with factory() as session:
        stored = session.scalars(select(EntryRow).where(EntryRow.id.in_(rush.acked))).all()
        audits = dict(session.execute(select(AuditRow.entity_id, func.count()).where(
            AuditRow.action == "entry.record", AuditRow.entity_id.in_(rush.acked)).group_by(AuditRow.entity_id)).tuples().all())  # fmt: skip
    assert {row.id for row in stored} == set(rush.acked)
    for row in stored:  # a value some save sent, and one audit record per save that committed
        assert Decimal(row.value) in rush.sent[row.indicator_id]
        assert audits[row.id] >= len(rush.acked[row.id])
        assert audits[row.id] == row.version  # each committed save: one version, one audit record
