"""Server CPU and statements per request of the month-end rush's kinds, in process: save, submit (one figure
and the unit's), return, and a leader's dashboard, map and map data (answered from their copies).

    uv run python bench/bench_requests.py --keep /tmp/save.db                 # the store is kept for the next run
    PYTHONPATH=/tmp/old/src uv run python bench/bench_requests.py --keep /tmp/save.db   # an older tree
    uv run python bench/bench_requests.py --keep /tmp/save.db --sql           # and the last request's statements
    uv run python bench/bench_requests.py --keep /tmp/save.db --profile 40 --only save   # cProfile (CPU time)

The store of `bench_load.py`. A county's reporter saves six figures, submits them (one by one, or the unit at
once, in turn), the office returns them, a leader asks for pages between rounds; `--rounds` times. Worker-thread
calls run inline (as `bench_save.py`), so a request's server CPU time (`time.thread_time`) is measured apart from
the client's; the first two of each kind are left out (warm-up).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event

sys.path.insert(0, str(Path(__file__).parent))
from bench_load import PASSWORD, PERIOD, SECRET, TODAY
from bench_save import _temp_store, _unit_of

PAGES = ("/", "/map", "/map/data")


class Measured:
    """Per kind of request: its CPU times and statements; the app wrapped to note them."""

    def __init__(self, profile: cProfile.Profile | None, only: str) -> None:
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, list[list[str]]] = defaultdict(list)
        self.profile, self.only = profile, only
        self.running: list[str] | None = None

    def note(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.running is not None:
            self.running.append(" ".join(statement.split())[:160])

    def wrap(self, app: Any) -> Any:
        import anyio.to_thread

        async def inline(func: Any, *args: Any, **_options: Any) -> Any:
            return func(*args)

        anyio.to_thread.run_sync = inline  # type: ignore[assignment]

        async def measured(scope: Any, receive: Any, send: Any) -> None:
            kind = _kind(scope) if scope["type"] == "http" else ""
            if not kind:
                return await app(scope, receive, send)
            self.running = statements = []
            profiling = self.profile is not None and self.only in ("", kind)
            start = time.thread_time()
            if profiling:
                self.profile.enable()  # type: ignore[union-attr]
            try:
                await app(scope, receive, send)
            finally:
                if profiling:
                    self.profile.disable()  # type: ignore[union-attr]
                self.cpu[kind].append(time.thread_time() - start)
                self.statements[kind].append(statements)
                self.running = None

        return measured


def _kind(scope: dict[str, Any]) -> str:
    method, path = scope["method"], scope["path"]
    if method == "PUT":
        return "save"
    if path.endswith("/return"):
        return "return"
    if path.endswith("/submit"):
        return "submit one" if "/entries/" in path else "submit unit"
    return path if method == "GET" and path in PAGES else ""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, help="keep the new SQLite store here; reused when it exists")
    parser.add_argument("--url", default=None, help="a store to use (default: a new temp SQLite store)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--sql", action="store_true", help="print the last request's statements of each kind")
    parser.add_argument("--profile", type=int, default=0, help="print this many functions by CPU time")
    parser.add_argument(
        "--only", default="", help="profile only this kind (save, return, submit one, /, ...)"
    )
    args = parser.parse_args()
    url = args.url or _temp_store(args.keep)
    measured = Measured(cProfile.Profile(time.thread_time) if args.profile else None, args.only)
    _rush(url, measured, args.rounds)
    print(f"{sys.modules['duban'].__file__}")
    for kind in sorted(measured.cpu):
        warm = 2 if len(measured.cpu[kind]) > 2 else 0  # the first two of a kind warm up
        ms = sorted(1000 * t for t in measured.cpu[kind][warm:])
        counts = [len(s) for s in measured.statements[kind][warm:]]
        print(f"{kind:12} n={len(ms):4d} CPU p50 {statistics.median(ms):6.2f} ms, mean {statistics.fmean(ms):6.2f} ms; "
              f"statements p50 {statistics.median(counts):g}, max {max(counts)}")  # fmt: skip
    if args.sql:
        for kind, runs in sorted(measured.statements.items()):
            print(f"--- {kind}", *runs[-1], sep="\n    ")
    if measured.profile:
        pstats.Stats(measured.profile).sort_stats("cumulative").print_stats(args.profile)


def _rush(url: str, measured: Measured, rounds: int) -> None:
    from duban.settings import Settings
    from duban.web.app import create_app

    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp(prefix="duban-requests-")),
                        secret_key=SECRET, today=TODAY)  # fmt: skip
    app = measured.wrap(create_app(settings))
    event.listen(Engine, "after_cursor_execute", measured.note)
    reporter, office, leader = (_signed_in(app, who) for who in ("unit001", "office", "leader"))
    unit_id = _unit_of(url, "unit001")
    rows = reporter.get(f"/api/periods/{PERIOD}/units/{unit_id}/sheet").json()["rows"]
    rows = [r for r in rows if r["mode"] == "value"][:6]
    versions = {r["indicator_id"]: (r["entry"] or {}).get("version", 0) for r in rows}
    for n in range(rounds):
        saved = [_save(reporter, unit_id, row, versions, n) for row in rows]
        if n % 2:
            _ok(reporter.post(f"/api/periods/{PERIOD}/units/{unit_id}/submit"))
        else:
            for entry_id in saved:
                _ok(reporter.post(f"/api/entries/{entry_id}/submit"))
        for entry_id in saved:
            back = _ok(office.post(f"/api/entries/{entry_id}/return", json={"reason": "请复核"})).json()
            versions[back["indicator_id"]] = back["version"]
        for _ in range(4):
            for page in PAGES:
                _ok(leader.get(page))


def _signed_in(app: Any, who: str) -> TestClient:
    client = TestClient(app)
    client.__enter__()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)[1]  # type: ignore[index]
    client.post("/login", data={"username": who, "password": PASSWORD, "csrf_token": token})
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)[1]  # type: ignore[index]
    client.headers["X-CSRF-Token"] = token
    return client


def _save(client: TestClient, unit_id: int, row: dict[str, Any], versions: dict[int, int], n: int) -> int:
    base = Decimal(str((row["previous"] or {}).get("value") or row["target"] or 10))
    body = {"value": str(base + Decimal(n + 1) / 100), "version": versions[row["indicator_id"]], "confirmed": True,
            "note": f"第{n + 1}轮，按计划推进"}  # fmt: skip
    saved = _ok(
        client.put(f"/api/periods/{PERIOD}/units/{unit_id}/indicators/{row['indicator_id']}", json=body)
    ).json()
    versions[row["indicator_id"]] = saved["version"]
    return int(saved["id"])


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response


if __name__ == "__main__":
    main()
