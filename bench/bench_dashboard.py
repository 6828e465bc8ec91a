"""Dashboard benchmark: server time of the 首页 (and the map data) on the demo store, and optionally on
the small synthetic province of bench_province.py. Prints figures; not a test.

Run: uv run python bench/bench_dashboard.py [--repeat 20] [--province-small]
"""

from __future__ import annotations

import argparse
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

from duban.choices import Role
from duban.cli import default_plan_path
from duban.demo import generate_demo_progress
from duban.plan.planfile import read_plan_file
from duban.settings import Settings
from duban.store.db import make_engine, session_factory, upgrade
from duban.store.plans import find_plan, save_plan
from duban.store.users import add_user
from duban.web.app import create_app

PASSWORD = "bench password 2026"
TODAY = date(2026, 11, 28)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--province-small", action="store_true", help="also time the small synthetic province"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        _print(
            "demo (昭通, 55 indicators, 11 months)",
            run(data_dir=Path(folder), loader=load_demo, repeat=args.repeat),
        )
    if args.province_small:
        with tempfile.TemporaryDirectory() as folder:
            _print("small province (bench_province SMALL)", run(data_dir=Path(folder), loader=load_small_province,
                                                                repeat=args.repeat))  # fmt: skip


def load_demo(session: Any) -> None:
    """The 昭通 plan with demo progress up to November."""
    plan = read_plan_file(default_plan_path())
    row = save_plan(session=session, plan=plan)
    generate_demo_progress(session=session, plan_row=row, plan=plan, today=TODAY)


def load_small_province(session: Any) -> None:
    """bench_province.py's SMALL province: 2 cities, 10 counties, 100 townships, 30 indicators."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_province import SMALL, load_province

    load_province(session=session, size=SMALL)


def run(*, data_dir: Path, loader: Callable[[Any], None], repeat: int) -> dict[str, Any]:
    """Load a store, log in as the office and time the dashboard and map data requests."""
    url = f"sqlite:///{data_dir / 'duban.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        loader(session)  # the province loader commits as it goes
        add_user(session=session, username="bench", password=PASSWORD, role=Role.ADMIN)
        month = 6 if find_plan(session=session) else 1
        session.commit()
    engine.dispose()
    app = create_app(Settings(data_dir=data_dir, secret_key="bench", today=TODAY.isoformat()))
    with TestClient(app) as client:
        _log_in(client)
        figures = {
            path: _timed(client, path, repeat)
            for path in ("/", f"/?month={month}", "/map/data", "/indicators")
        }
    return figures


def _log_in(client: TestClient) -> None:
    token = re.search(r'csrf-token" content="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "bench", "password": PASSWORD, "csrf_token": token})


def _timed(client: TestClient, path: str, repeat: int) -> dict[str, float]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.text[:300]
        size = len(response.content)
    return {"median_ms": 1000 * statistics.median(times), "max_ms": 1000 * max(times), "kb": size / 1024}


def _print(title: str, figures: dict[str, Any]) -> None:
    print(title)
    for path, f in figures.items():
        print(
            f"  GET {path:<14} median {f['median_ms']:7.1f} ms   max {f['max_ms']:7.1f} ms   {f['kb']:6.1f} KB"
        )


if __name__ == "__main__":
    main()
