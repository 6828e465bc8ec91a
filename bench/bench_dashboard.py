"""Dashboard benchmark: server time of the 首页 and the county map data through a real app (TestClient),
on the demo store, optionally on the small synthetic province and on the FULL province store of
bench_province.py (reused when kept, else built and kept: about a minute to three). Prints figures; not a test.

Run: uv run python bench/bench_dashboard.py [--repeat 20] [--province-small] [--province /tmp/p.db]
     [--after-writes]   (each request follows a change of one approved figure of the month, in another
                         session: what a leader's page costs right after an approval, not from a cache)
     [--overview]   (also time the old per-(indicator, unit) path, `period_overview`, once, on the demo and the
                     small province; never on the full one, where it would hold 5.4 million entries in memory)
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from duban.choices import Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_last_year, generate_demo_ledger, generate_demo_progress
from duban.persistence.db import make_engine, session_factory
from duban.persistence.migrate import upgrade
from duban.persistence.models import EntryRow, PeriodRow, UserRow
from duban.plan.planfile import read_plan_file
from duban.services.history import read_last_year
from duban.services.office import current_month
from duban.services.overview import period_overview
from duban.services.plan_loading import save_plan
from duban.services.plans import find_plan
from duban.services.summary import dashboard_summary
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app

sys.path.insert(0, str(Path(__file__).parent))
from bench_province import FULL, SMALL, load_province

PASSWORD = "bench password 2026"
TODAY = date(2026, 11, 28)
DASHBOARD = ("/", "/?month=6", "/map/data", "/map/data?month=6&measure={first}", "/map?month=6")
# pages read from the period overview (remembered per generation: the max is the first, computing request)
OVERVIEW_PAGES = (
    "/counties/昭阳区",
    "/counties/昭阳区?month=6",
    "/indicators/{first}",
    "/indicators/{first}?month=6",
)


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'duban.db'}"
        _print("demo (昭通, 55 indicators, 11 counties, 11 months)",
               run(url=url, data_dir=Path(folder), loader=load_demo, repeat=args.repeat, overview=args.overview,
                   paths=(*DASHBOARD, "/indicators", *OVERVIEW_PAGES)))  # fmt: skip
    if args.province_small:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'duban.db'}"
            _print("small province (bench_province SMALL)",
                   run(url=url, data_dir=Path(folder), loader=load_small_province, repeat=args.repeat,
                       overview=args.overview, after_writes=args.after_writes))  # fmt: skip
    if args.province:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(args.province).resolve()}"
            # never the overview here: it would hold 5.4 million entry objects in memory
            _print(f"FULL province (bench_province, SQLite {args.province})",
                   run(url=url, data_dir=Path(folder), loader=load_full_province, repeat=args.repeat_province,
                       overview=False, after_writes=args.after_writes))  # fmt: skip


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=20, help="requests per page (the median is printed)")
    parser.add_argument("--province-small", action="store_true", help="also the small synthetic province")
    parser.add_argument(
        "--province", metavar="PATH", help="also the full province kept at PATH (built if absent)"
    )
    parser.add_argument(
        "--repeat-province", type=int, default=5, help="requests per page on the full province"
    )
    parser.add_argument(
        "--overview", action="store_true", help="also time period_overview once (slow on a province)"
    )
    parser.add_argument(
        "--after-writes", action="store_true", help="change one approved figure before each request"
    )
    return parser.parse_args()  # fmt: skip


def load_demo(session: Any) -> None:
    """What `make demo` holds: the 昭通 plan, demo progress up to November, the 1,584-project ledger and 2025."""
    plan = read_plan_file(default_plan_path())
    row = save_plan(session=session, plan=plan)
    generate_demo_progress(session=session, plan_row=row, plan=plan, today=TODAY)
    generate_demo_ledger(session=session, plan_row=row, today=TODAY)
    generate_demo_last_year(session=session, plan=plan)


def load_small_province(session: Any) -> None:
    """bench_province.py's SMALL province: 2 cities, 10 counties, 100 townships, 30 indicators."""
    load_province(session=session, size=SMALL)


def load_full_province(session: Any) -> None:
    """bench_province.py's FULL province (16 cities, 129 counties, 1,500 townships, 300 indicators, 5.4
    million figures); `load_province` does nothing when the store holds it already."""
    load_province(session=session, size=FULL)


def run(
    *, url: str, data_dir: Path, loader: Callable[[Any], None], repeat: int, overview: bool,
    after_writes: bool = False, paths: tuple[str, ...] = DASHBOARD,
) -> dict[str, Any]:  # fmt: skip
    """Load (or reuse) a store, log in as the office and time the dashboard and map requests."""
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        started = time.perf_counter()
        loader(session)  # the province loader commits as it goes
        loaded = time.perf_counter() - started
        if not session.scalar(select(UserRow.id).where(UserRow.username == "bench")):
            add_user(session=session, username="bench", password=PASSWORD, role=Role.ADMIN)
        session.commit()
        row = find_plan(session=session)
        assert row is not None
        direct, first = _direct(session, row, overview)
        month = current_month(session=session, plan_row=row, today=TODAY)
        write = _approval(url, _approved_entries(session, row.id, month)) if after_writes else None
    engine.dispose()
    app = create_app(
        Settings(data_dir=data_dir, database_url=url, secret_key="bench", today=TODAY.isoformat())
    )
    with TestClient(app) as client:
        _log_in(client)
        timed = {path: _timed(client, path.format(first=first), repeat, before=write) for path in paths}
    return {"load s": loaded, "direct": direct, "requests": timed}


def _direct(session: Any, row: Any, overview: bool) -> tuple[dict[str, float], str]:
    """The summary (and the old overview) called directly, once each, for the 当前报送期; and the
    first indicator the map can show."""
    month = current_month(session=session, plan_row=row, today=TODAY)
    figures = {}
    started = time.perf_counter()
    summary = dashboard_summary(session=session, plan_row=row, month=month, today=TODAY)
    figures[f"dashboard_summary (month {month})"] = time.perf_counter() - started
    started = time.perf_counter()
    read_last_year(session=session, plan_row=row)
    figures["read_last_year (once per generation)"] = time.perf_counter() - started
    if overview:
        started = time.perf_counter()
        period_overview(session=session, plan_row=row, month=month, today=TODAY)
        figures[f"period_overview (month {month})"] = time.perf_counter() - started
    return figures, next(code for code, _ in summary.map_choices())


def _log_in(client: TestClient) -> None:
    token = re.search(r'csrf-token" content="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})


def _approved_entries(session: Any, plan_id: int, month: int) -> list[int]:
    """Up to 2,000 approved figures of the month (the cells a write will change)."""
    query = (
        select(EntryRow.id).join(PeriodRow, PeriodRow.id == EntryRow.period_id)
        .where(PeriodRow.plan_id == plan_id, PeriodRow.month == month, EntryRow.official_value.is_not(None))
        .limit(2000)
    )  # fmt: skip
    return list(session.scalars(query))


def _approval(url: str, entry_ids: list[int]) -> Callable[[], None]:
    """A change of one approved figure in its own transaction, as an approval writes it (official value)."""
    factory = session_factory(make_engine(url))
    pick = random.Random(2026)

    def write() -> None:
        with factory() as session, session.begin():
            entry = session.get_one(EntryRow, pick.choice(entry_ids))
            entry.official_value = entry.value = (entry.official_value or 0) + 1

    return write


def _timed(
    client: TestClient, path: str, repeat: int, before: Callable[[], None] | None = None
) -> dict[str, Any]:
    times, size = [], 0
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text[:300]
        size = len(response.content)
    return {"path": path, "median_ms": 1000 * statistics.median(times), "min_ms": 1000 * min(times),
            "max_ms": 1000 * max(times), "kb": size / 1024}  # fmt: skip


def _print(title: str, figures: dict[str, Any]) -> None:
    print(title)
    print(f"  store loaded or checked in {figures['load s']:.1f} s")
    for name, seconds in figures["direct"].items():
        print(f"  {name:<36} {1000 * seconds:9.1f} ms (called directly, once)")
    for f in figures["requests"].values():
        print(f"  GET {f['path']:<34} median {f['median_ms']:8.1f} ms   min {f['min_ms']:8.1f}   "
              f"max {f['max_ms']:8.1f} ms   {f['kb']:7.1f} KB")  # fmt: skip


if __name__ == "__main__":
    main()
