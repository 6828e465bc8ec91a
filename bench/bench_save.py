"""One reporter's saves, in process: the server time of `PUT /api/.../indicators/{id}` without the network.

    uv run python bench/bench_save.py                       # SQLite, 300 saves, p50/p95/mean
    uv run python bench/bench_save.py --profile 30          # and the 30 costliest functions (cProfile)
    PYTHONPATH=/tmp/base/src uv run python bench/bench_save.py   # an older tree, for a same-run baseline

The store of `bench_load.py` (the 昭通 plan, demo figures to May); a county's reporter saves each of
its June figures in turn, with the version it last saw, through the app (FastAPI's TestClient).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).parent))
from bench_load import PASSWORD, PERIOD, SECRET, TODAY, _load


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, help="print this many functions by cumulative time")
    parser.add_argument("--url", default=None, help="a store to use (default: a new temp SQLite store)")
    parser.add_argument("--keep", type=Path, help="keep the new SQLite store here; reused when it exists")
    args = parser.parse_args()
    url = args.url or _temp_store(args.keep)
    profile = cProfile.Profile() if args.profile else None
    cpu: list[float] = []
    client, paths, token = _client(url, profile, cpu)
    versions = {path: version for path, (_base, version) in paths.items()}
    order = list(paths)
    _save(client, order[0], paths[order[0]][0], versions, token, 0)  # warm up
    times = []
    del cpu[:]
    for n in range(args.saves):
        path = order[n % len(order)]
        start = time.perf_counter()
        _save(client, path, paths[path][0], versions, token, n + 1)
        times.append(time.perf_counter() - start)
    ms, cpu_ms = sorted(t * 1000 for t in times), sorted(t * 1000 for t in cpu)
    print(f"{sys.modules['duban'].__file__}: {len(ms)} saves, p50 {statistics.median(ms):.2f} ms, "
          f"p95 {ms[int(len(ms) * 0.95)]:.2f} ms, mean {statistics.fmean(ms):.2f} ms; "
          f"server CPU p50 {statistics.median(cpu_ms):.2f} ms, mean {statistics.fmean(cpu_ms):.2f} ms")  # fmt: skip
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


def _temp_store(keep: Path | None) -> str:
    try:
        from duban.persistence.migrate import upgrade
    except ImportError:  # an older tree on PYTHONPATH, before the migrations had a module of their own
        from duban.persistence.db import upgrade  # type: ignore[attr-defined,no-redef]

    path = keep or Path(tempfile.mkdtemp(prefix="duban-save-")) / "duban.db"
    url = f"sqlite:///{path}"
    if path.exists():
        return url
    upgrade(url)
    _load(url)
    return url


def _client(
    url: str, profile: cProfile.Profile | None, cpu: list[float]
) -> tuple[TestClient, dict[str, tuple[Decimal, int]], str]:
    """A client logged in as the first county's reporter, and the paths of its June figures."""
    import re

    from duban.settings import Settings
    from duban.web.app import create_app

    settings = Settings(database_url=url, data_dir=Path(tempfile.mkdtemp(prefix="duban-save-data-")),
                        secret_key=SECRET, today=TODAY)  # fmt: skip
    app = create_app(settings)
    client = TestClient(_measured(app, profile, cpu))
    client.__enter__()
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)[1]  # type: ignore[index]
    client.post("/login", data={"username": "unit000", "password": PASSWORD, "csrf_token": token})
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/plan").text)[1]  # type: ignore[index]
    unit_id = _unit_of(url, "unit000")
    sheet = client.get(f"/api/periods/{PERIOD}/units/{unit_id}/sheet").json()["rows"]
    paths = {f"/api/periods/{PERIOD}/units/{unit_id}/indicators/{r['indicator_id']}": (_base(r), (r["entry"] or {}).get("version", 0)) for r in sheet
             if r["mode"] == "value"}  # fmt: skip
    return client, paths, token


def _measured(app: Any, profile: cProfile.Profile | None, cpu: list[float]) -> Any:
    """The app with each PUT's CPU time noted (and profiled): worker-thread calls run inline, so the
    event loop's thread does all of a request's work, and its CPU time is the request's."""
    import anyio.to_thread

    async def inline(func: Any, *args: Any, **_options: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = inline  # type: ignore[assignment]

    async def measured(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT":
            return await app(scope, receive, send)
        start = time.thread_time()
        if profile:
            profile.enable()
        try:
            await app(scope, receive, send)
        finally:
            if profile:
                profile.disable()
            cpu.append(time.thread_time() - start)

    return measured


def _base(row: dict[str, Any]) -> Decimal:
    """A figure the checks accept: the previous month's, or half the target."""
    previous = (row["previous"] or {}).get("value")
    return Decimal(previous) if previous else Decimal(row["target"]) / 2


def _unit_of(url: str, username: str) -> int:
    from sqlalchemy import select

    from duban.persistence.db import make_engine, session_factory
    from duban.persistence.models import UserRow

    engine = make_engine(url)
    with session_factory(engine)() as session:
        unit_id = session.scalars(select(UserRow.unit_id).where(UserRow.username == username)).one()
    engine.dispose()
    return int(unit_id)


def _save(client: TestClient, path: str, base: Decimal, versions: dict[str, int], token: str, n: int) -> None:
    response = client.put(path, json={"value": str(base + n), "version": versions[path], "note": "按计划推进"},
                          headers={"X-CSRF-Token": token})  # fmt: skip
    assert response.status_code == 200, response.text
    versions[path] = response.json()["version"]


if __name__ == "__main__":
    main()
