"""Approve → visible: how long after the office approves a figure do leaders see it?

    uv run python bench/bench_live.py                       # SQLite, demo city, 1 server, 20 approvals
    uv run python bench/bench_live.py --db postgres --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    uv run python bench/bench_live.py --servers 2           # approved on one server, watched on the other

The store and servers are those of `bench_load.py` (the default 昭通 plan, demo figures to May, the demo
project ledger; it is 10 June 2026). A county reporter saves a June figure of an indicator the map shows
per county and submits it; the office approves it; from the approval's acknowledgement, three watchers
poll until it shows: the figure itself (`GET /api/entries/{id}`: its official value), the map data
(`GET /map/data?measure=<code>`: the county's completion) and the dashboard page (`GET /`: its content
differs from the page seen before the approval). Every trial changes the figure, so each must show.
With several servers, the approval goes to the first and the watchers ask the last.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
import bench_load  # the store, accounts and servers of the month-end benchmark

PERIOD, MONTH = bench_load.PERIOD, 6
NOTE = "按计划推进"
TIMEOUT = 30.0  # seconds a watcher waits for a change before it counts the trial as not seen


@dataclass(frozen=True)
class Target:
    """The figure the trials change: a county's June figure of an indicator the map shows per county."""

    unit_id: int
    unit: str
    indicator_id: int
    code: str
    base: Decimal
    version: int


def main() -> None:
    args = _arguments()
    load = os.getloadavg()
    with bench_load._store(args) as url, bench_load._servers(url, args) as bases:
        print(f"store: {make_url(url).render_as_string(hide_password=True)}; servers: {bases}")
        reporter, office, leader = (_client(bases[0], "unit000"), _client(bases[0], "office"),
                                    _client(bases[-1], "leader"))  # fmt: skip
        target = _target(reporter, leader)
        print(f"figure: {target.unit} {target.code} (June); {args.trials} approvals; "
              f"load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
        seen = _trials(args.trials, target, reporter, office, leader)
        _report(seen)
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _arguments() -> argparse.Namespace:
    parser = bench_load.store_arguments(__doc__)
    parser.add_argument("--trials", type=int, default=20, help="approvals to time")
    args = parser.parse_args()
    args.trials = max(1, min(args.trials, 200))
    return args


def _client(base: str, username: str) -> httpx.Client:
    client, _ = bench_load._session(base, username, bench_load.Tally())
    return client


def _target(reporter: httpx.Client, leader: httpx.Client) -> Target:
    """The reporter's first June figure, entered as a value, that the map shows for its county."""
    unit = reporter.get("/api/units").json()[0]
    rows = reporter.get(f"/api/periods/{PERIOD}/units/{unit['id']}/sheet").json()["rows"]
    for row in rows:
        previous = (row["previous"] or {}).get("value")
        if row["mode"] != "value" or previous is None or row["kind"] not in ("count", "amount"):
            continue
        shown = leader.get("/map/data", params={"measure": row["code"], "month": MONTH})
        if shown.status_code == 200 and any(c["name"] == unit["name"] for c in shown.json()["counties"]):
            version = (row["entry"] or {}).get("version", 0)
            return Target(
                unit["id"], unit["name"], row["indicator_id"], row["code"], Decimal(previous), version
            )
    raise SystemExit(f"{unit['name']} reports no indicator the map shows per county")


@dataclass
class Seen:
    approve: list[float]
    api: list[float]
    map: list[float]
    dashboard: list[float]
    missed: dict[str, int]


def _trials(
    trials: int, target: Target, reporter: httpx.Client, office: httpx.Client, leader: httpx.Client
) -> Seen:
    seen = Seen([], [], [], [], {"api": 0, "map": 0, "dashboard": 0})
    path = f"/api/periods/{PERIOD}/units/{target.unit_id}/indicators/{target.indicator_id}"
    version, reason = target.version, "复核更正"  # a reason in case June's figure is approved already
    for trial in range(trials):
        value = target.base * (Decimal("1.05") + Decimal(trial % 2) / 10 + Decimal(trial) / 1000)
        saved = reporter.put(path, json={"value": str(value.quantize(Decimal("0.01"))), "note": NOTE,
                                         "version": version, "reason": reason, "confirmed": True})  # fmt: skip
        saved.raise_for_status()
        entry_id = saved.json()["id"]
        reporter.post(f"/api/entries/{entry_id}/submit", params={"confirmed": True}).raise_for_status()
        before_map = _county(leader, target)
        before_page = _dashboard(leader)  # after the submit: only the approval changes it now
        started = time.perf_counter()
        approved = office.post(f"/api/entries/{entry_id}/approve")
        approved.raise_for_status()
        acked = time.perf_counter()
        seen.approve.append(acked - started)
        version, reason = approved.json()["version"], "复核更正"
        watchers = _watchers(
            leader, target, entry_id, approved.json()["official_value"], before_map, before_page
        )
        results: dict[str, float | None] = {}
        threads = [
            threading.Thread(target=_watch, args=(name, check, acked, results))
            for name, check in watchers.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name, after in results.items():
            if after is None:
                seen.missed[name] += 1
            else:
                getattr(seen, name).append(after)
    return seen


def _watchers(
    leader: httpx.Client, target: Target, entry_id: int, official: str, before_map: Any, before_page: str
) -> dict[str, Callable[[], bool]]:
    """What shows the approval: the figure's official value, the county on the map, the dashboard page."""
    return {
        "api": lambda: leader.get(f"/api/entries/{entry_id}").json()["official_value"] == official,
        "map": lambda: _county(leader, target) != before_map,
        "dashboard": lambda: _dashboard(leader) != before_page,
    }


def _watch(name: str, check: Callable[[], bool], since: float, results: dict[str, float | None]) -> None:
    """Ask until `check` holds; the time from the approval's acknowledgement to the answer that showed it."""
    while time.perf_counter() - since < TIMEOUT:
        if check():
            results[name] = time.perf_counter() - since
            return
        time.sleep(0.005)
    results[name] = None


def _county(leader: httpx.Client, target: Target) -> Any:
    shown = leader.get("/map/data", params={"measure": target.code, "month": MONTH})
    shown.raise_for_status()
    return next(c for c in shown.json()["counties"] if c["name"] == target.unit)


def _dashboard(leader: httpx.Client) -> str:
    page = leader.get("/", params={"month": MONTH})
    page.raise_for_status()
    # the CSRF token and anything per request are not the figures
    return re.sub(r'name="csrf-token" content="[^"]+"', "", page.text)


def _report(seen: Seen) -> None:
    print(f"{'what':<12}{'count':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  not seen in {TIMEOUT:.0f} s")
    for name in ("approve", "api", "map", "dashboard"):
        times = sorted(getattr(seen, name))
        if not times:
            print(f"{name:<12}{0:>6}")
            continue
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        missed = seen.missed.get(name, "")
        label = "approve ack" if name == "approve" else f"→ {name}"
        print(f"{label:<12}{len(times):>6}{statistics.median(times) * 1000:>9.0f}{p95 * 1000:>9.0f}"
              f"{times[-1] * 1000:>9.0f}  {missed}")  # fmt: skip


if __name__ == "__main__":
    main()
