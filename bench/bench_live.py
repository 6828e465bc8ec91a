"""Approve → visible: how long after the office approves a figure do leaders see it?

    uv run python bench/bench_live.py                       # SQLite, demo city, 1 server, 20 approvals
    uv run python bench/bench_live.py --db postgres --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    uv run python bench/bench_live.py --servers 2           # approved on one server, watched on the other
    uv run python bench/bench_live.py --province /tmp/prov/prov.db   # a copy of bench_province.py's kept store
    uv run python bench/bench_live.py --db postgres --province duban_prov   # a copy of a kept PostgreSQL one

The store and servers are those of `bench_load.py` (the default 昭通 plan, demo figures to May, the demo
project ledger; it is 10 June 2026). A county reporter saves a June figure of an indicator the map shows
per county and submits it; the office approves it; from the approval's acknowledgement, three watchers
poll until it shows: the figure itself (`GET /api/entries/{id}`: its official value), the map data
(`GET /map/data?measure=<code>`: the county's completion) and the dashboard page (`GET /`: its content
differs from the page seen before the approval). Every trial changes the figure, so each must show.
With several servers, the approval goes to the first and the watchers ask the last.

`--province` runs the same trials on a copy of a province store kept by `bench_province.py --keep` (the
original is only read): a township's reporter saves and submits, and the map watcher looks at the
township's city, the area a province's map shows.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
import bench_load  # the store, accounts and servers of the month-end benchmark

PERIOD, MONTH = bench_load.PERIOD, 6
NOTE = "按计划推进"
TIMEOUT = 30.0  # seconds a watcher waits for a change before it counts the trial as not seen
# A watcher asks again this long after an answer that did not show the approval yet. What it times is from the
# approval's acknowledgement to the end of the answer that showed it: on one or more servers that is the first
# answer after the commit (every server reads the counters from the store), so the interval adds nothing but
# a retry's wait where an answer was stale; a browser that refreshed slower would see the same first answer.
POLL = 0.005


@dataclass(frozen=True)
class Target:
    """The figure the trials change: a county's June figure of an indicator the map shows per county."""

    unit_id: int
    unit: str
    area: str  # where the map shows the unit's figure: the county itself, or a township's county
    indicator_id: int
    code: str
    base: Decimal
    version: int


def main() -> None:
    args = _arguments()
    load = os.getloadavg()
    with _store(args) as (url, area), bench_load._servers(url, args) as bases:
        print(f"store: {make_url(url).render_as_string(hide_password=True)}; servers: {bases}")
        reporter, office, leader = (_client(bases[0], "unit000"), _client(bases[0], "office"),
                                    _client(bases[-1], "leader"))  # fmt: skip
        target = _target(reporter, leader, area)
        print(f"figure: {target.unit} {target.code} (June, on the map in {target.area}); {args.trials} approvals; "
              f"load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")  # fmt: skip
        seen = _trials(args.trials, target, reporter, office, leader)
        _report(seen)
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _arguments() -> argparse.Namespace:
    parser = bench_load.store_arguments(__doc__)
    parser.add_argument("--trials", type=int, default=20, help="approvals to time")
    parser.add_argument("--province", metavar="PATH",
                        help="a copy of this province store (bench_province.py --keep: a SQLite file, or with "
                             "--db postgres a database name) instead of the demo city")  # fmt: skip
    args = parser.parse_args()
    args.trials = max(1, min(args.trials, 200))
    return args


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[tuple[str, str | None]]:
    """The store and the map area of the reporter's unit (None: the unit itself, as a county of the city)."""
    if not args.province:
        with bench_load._store(args) as url:
            yield url, None
        return
    with _province_copy(args) as url:
        yield url, _province_accounts(url)


@contextmanager
def _province_copy(args: argparse.Namespace) -> Iterator[str]:
    """A scratch copy of the kept province store, dropped afterwards: the trials write figures and accounts."""
    from duban.persistence.migrate import upgrade

    if args.db == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="duban-live-province-"))
        # SQLite's backup reads a consistent copy, its write-ahead log included, through a read-only handle
        with sqlite3.connect(f"file:{Path(args.province).resolve()}?mode=ro", uri=True) as original, \
                sqlite3.connect(folder / "province.db") as copy:  # fmt: skip
            original.backup(copy)
        try:
            url = f"sqlite:///{folder / 'province.db'}"
            upgrade(url)
            yield url
        finally:
            shutil.rmtree(folder)
        return
    with bench_load.scratch_database(args.url, prefix="duban_live", template=args.province) as url:
        upgrade(url)
        yield url


def _province_accounts(url: str) -> str:
    """The office, a leader and the first township's reporter (unit000); the name of the township's city (a
    province's map shows its cities)."""
    from duban.choices import OrgKind, Role
    from duban.persistence.db import make_engine, session_factory, transaction
    from duban.persistence.models import OrgUnitRow
    from duban.services.users import add_user

    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        query = select(OrgUnitRow).where(OrgUnitRow.kind == OrgKind.TOWNSHIP.value).order_by(OrgUnitRow.code)
        township = session.scalars(query.limit(1)).one()
        add_user(session=session, username="office", password=bench_load.PASSWORD, role=Role.ADMIN)
        add_user(session=session, username="leader", password=bench_load.PASSWORD, role=Role.LEADER)
        add_user(session=session, username="unit000", password=bench_load.PASSWORD, role=Role.REPORTER,
                 unit=township.name)  # fmt: skip
        city = township.parent
        while city is not None and city.kind != OrgKind.CITY.value:
            city = city.parent
        assert city is not None, "a township within a city"
        name = city.name
    engine.dispose()
    return name


def _client(base: str, username: str) -> httpx.Client:
    client, _ = bench_load._session(base, username, bench_load.Tally())
    return client


def _target(reporter: httpx.Client, leader: httpx.Client, area: str | None) -> Target:
    """The reporter's first June figure, entered as a value, that the map shows for its county (or `area`)."""
    unit = reporter.get("/api/units").json()[0]
    area = area or unit["name"]
    rows = reporter.get(f"/api/periods/{PERIOD}/units/{unit['id']}/sheet").json()["rows"]
    for row in rows:
        previous = (row["previous"] or {}).get("value")
        if row["mode"] != "value" or previous is None or row["kind"] not in ("count", "amount"):
            continue
        shown = leader.get("/map/data", params={"measure": row["code"], "month": MONTH})
        if shown.status_code == 200 and any(c["name"] == area for c in shown.json()["counties"]):
            version = (row["entry"] or {}).get("version", 0)
            return Target(
                unit["id"], unit["name"], area, row["indicator_id"], row["code"], Decimal(previous), version
            )
    raise SystemExit(f"{unit['name']} reports no indicator the map shows in {area}")


@dataclass
class Seen:
    approve: list[float]
    api: list[float]
    map: list[float]
    dashboard: list[float]
    missed: dict[str, int]
    retried: dict[str, int]  # trials whose first answer after the approval did not show it yet


def _trials(
    trials: int, target: Target, reporter: httpx.Client, office: httpx.Client, leader: httpx.Client
) -> Seen:
    seen = Seen([], [], [], [], {"api": 0, "map": 0, "dashboard": 0}, {"api": 0, "map": 0, "dashboard": 0})
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
        results: dict[str, tuple[float | None, int]] = {}
        threads = [
            threading.Thread(target=_watch, args=(name, check, acked, results))
            for name, check in watchers.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for name, (after, asks) in results.items():
            seen.retried[name] += asks > 1
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


def _watch(
    name: str, check: Callable[[], bool], since: float, results: dict[str, tuple[float | None, int]]
) -> None:
    """Ask until `check` holds; the time from the approval's acknowledgement to the answer that showed it, and
    how many answers that took."""
    asks = 0
    while time.perf_counter() - since < TIMEOUT:
        asks += 1
        if check():
            results[name] = time.perf_counter() - since, asks
            return
        time.sleep(POLL)
    results[name] = None, asks


def _county(leader: httpx.Client, target: Target) -> Any:
    shown = leader.get("/map/data", params={"measure": target.code, "month": MONTH})
    shown.raise_for_status()
    return next(c for c in shown.json()["counties"] if c["name"] == target.area)


def _dashboard(leader: httpx.Client) -> str:
    page = leader.get("/", params={"month": MONTH})
    page.raise_for_status()
    # the CSRF token and anything per request are not the figures
    return re.sub(r'name="csrf-token" content="[^"]+"', "", page.text)


def _report(seen: Seen) -> None:
    print(
        f"watchers ask again {POLL * 1000:.0f} ms after an answer that did not show the approval; "
        f"a figure counts as seen at the end of the first answer that showed it"
    )
    print(f"{'what':<12}{'count':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  not seen in {TIMEOUT:.0f} s"
          "  asked again")  # fmt: skip
    for name in ("approve", "api", "map", "dashboard"):
        times = sorted(getattr(seen, name))
        if not times:
            print(f"{name:<12}{0:>6}")
            continue
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        missed, retried = seen.missed.get(name, ""), seen.retried.get(name, "")
        label = "approve ack" if name == "approve" else f"→ {name}"
        print(f"{label:<12}{len(times):>6}{statistics.median(times) * 1000:>9.0f}{p95 * 1000:>9.0f}"
              f"{times[-1] * 1000:>9.0f}  {missed!s:<15}  {retried}")  # fmt: skip


if __name__ == "__main__":
    main()
