"""Time to produce the city 督查通报 for a full demo year in Word, PDF and Excel (target: under 3 s warm).

Run: uv run python bench/bench_report.py
     uv run python bench/bench_report.py --store sqlite:////tmp/p.db --period 2026-02  (a store already
     loaded, e.g. the province kept by `bench_province.py --keep /tmp/p.db`: one warm run, with peak memory)
Builds the 昭通 2026 plan with twelve months of demo progress in a temporary SQLite store, then times
the bulletin for 2026-12 (overview of the month and the month before, content, three renderings):
once cold (first use in the process, imports and font loading included; with --warmed, after the warm-up
`duban serve` runs at start, as a server's first bulletin of the month) and then warm; wall clock per step,
and the process's CPU time (which other load on the machine does not inflate).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from duban.cli import default_plan_path
from duban.demo import generate_demo_progress
from duban.persistence.db import make_engine, session_factory, transaction, upgrade
from duban.plan.planfile import read_plan_file
from duban.services.plan_loading import save_plan

TODAY = date(2027, 1, 5)
PERIOD = "2026-12"


def prepare(url: str) -> None:
    """A store with the default plan and a whole demo year of figures."""
    upgrade(url)
    plan = read_plan_file(default_plan_path())
    with transaction(session_factory(make_engine(url))) as session:
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=TODAY)


def produce(url: str, out: Path, period: str = PERIOD) -> dict[str, float]:
    """Seconds spent on each step of one city bulletin in all three formats."""
    from duban.reports.service import FORMATS, bulletin_for, file_name, render

    times, start, cpu = {}, time.perf_counter(), time.process_time()
    with session_factory(make_engine(url))() as session:
        bulletin = bulletin_for(session=session, period=period, today=TODAY, record=False)
    times["content"] = time.perf_counter() - start
    for fmt in FORMATS:
        begin = time.perf_counter()
        (out / file_name(bulletin=bulletin, fmt=fmt)).write_bytes(render(bulletin=bulletin, fmt=fmt))
        times[fmt] = time.perf_counter() - begin
    times["total"] = time.perf_counter() - start
    times["cpu"] = time.process_time() - cpu
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", help="the URL of a store already loaded (timed warm, nothing written)")
    parser.add_argument("--period", default=PERIOD, help="the bulletin's month, e.g. 2026-02")
    parser.add_argument(
        "--warmed",
        action="store_true",
        help="warm the renderers up first, as `duban serve` does at start (a server's first bulletin)",
    )
    args = parser.parse_args()
    if args.warmed:
        from duban.reports.pdf import warm_up

        warm_up().join()
    if args.store:
        with tempfile.TemporaryDirectory() as folder:
            for label in ("cold", "warm"):
                times = produce(args.store, Path(folder), args.period)
                steps = ", ".join(f"{k} {v:.2f}s" for k, v in times.items())
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"bulletin {args.period} of {args.store}, {label}: {steps}, peak memory {peak:.0f} MB "
                      f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'duban.db'}"
        prepare(url)
        for label in ("cold", "warm"):
            times = produce(url, Path(folder))
            steps = ", ".join(f"{k} {v:.2f}s" for k, v in times.items())
            print(
                f"city bulletin {PERIOD}, docx+pdf+xlsx, {label}: {steps} (load average {os.getloadavg()[0]:.1f})"
            )


if __name__ == "__main__":
    main()
