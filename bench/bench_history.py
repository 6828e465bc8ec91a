"""History benchmark: what last year's figures cost the dashboard and the overview, computed cold.

On the demo store (昭通 2026, figures through November) without and with the demo's 2025 plan and its twelve
approved months: CPU time of `dashboard_summary`, `period_overview` and `read_last_year`, each computed
afresh (the per-server cache bypassed) seven times; minimum and median. Prints figures; not a test.

Run: uv run python bench/bench_history.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from duban.cli import default_plan_path
from duban.demo import generate_demo_last_year, generate_demo_progress
from duban.persistence.db import make_engine, session_factory
from duban.persistence.migrate import upgrade
from duban.persistence.readcache import bypassed
from duban.plan.planfile import read_plan_file
from duban.services.history import read_last_year
from duban.services.overview import period_overview
from duban.services.plan_loading import save_plan
from duban.services.plans import find_plan
from duban.services.summary import dashboard_summary

TODAY = date(2026, 11, 28)
REPEAT = 7


def main() -> None:
    for with_history in (False, True):
        label = "with 2025" if with_history else "no 2025  "
        for name, (low, middle) in timed(with_history=with_history).items():
            print(f"{label}  {name:28s} CPU min {low:7.1f} ms  median {middle:7.1f} ms")


def timed(*, with_history: bool) -> dict[str, tuple[float, float]]:
    """CPU milliseconds (min, median) of each read model on a fresh demo store."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'duban.db'}"
        upgrade(url)
        engine = make_engine(url)
        with session_factory(engine)() as session:
            plan = read_plan_file(default_plan_path())
            row = save_plan(session=session, plan=plan)
            generate_demo_progress(session=session, plan_row=row, plan=plan, today=TODAY)
            if with_history:
                generate_demo_last_year(session=session, plan=plan)
            session.commit()
            row = find_plan(session=session, year=TODAY.year)
            assert row is not None
            reads: dict[str, Callable[[], object]] = {
                "dashboard_summary (month 11)": lambda: dashboard_summary(
                    session=session, plan_row=row, month=11, today=TODAY
                ),
                "period_overview (month 11)": lambda: period_overview(
                    session=session, plan_row=row, month=11, today=TODAY
                ),
                "read_last_year": lambda: read_last_year(session=session, plan_row=row),
            }
            found = {name: _cpu(read) for name, read in reads.items()}
        engine.dispose()
    return found


def _cpu(read: Callable[[], object]) -> tuple[float, float]:
    times = []
    with bypassed():
        for _ in range(REPEAT):
            started = time.process_time()
            read()
            times.append(time.process_time() - started)
    return min(times) * 1000, statistics.median(times) * 1000


if __name__ == "__main__":
    main()
