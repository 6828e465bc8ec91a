"""Time and peak memory of the 督查通报 in Word, PDF and Excel, cold and warm, beside a baseline of the same run.

Run: uv run python bench/bench_report.py                  # the city: 昭通 2026, a demo year, bulletin of 2026-12
     uv run python bench/bench_report.py --store sqlite:////tmp/p.db --period 2026-06   # a store already loaded
     uv run python bench/bench_report.py --against /tmp/old/src --rounds 3   # old code as the baseline
     uv run python bench/bench_report.py --command --against /tmp/old/src  # `duban report` itself, old and new

Every sample is a fresh process (`--child`): the imports the bulletin needs, then the bulletin twice —
cold (first use in the process: WeasyPrint's import, the fonts) and warm. Per step it prints the wall
clock, the CPU time (the process's and its subprocesses', which other load on the machine does not
inflate) and the peak RSS during the step (VmHWM, reset before each step). The baseline runs in the
same rounds, alternated with this tree: `--against SRC` runs another tree's code (e.g. a detached
worktree of main) on the same store; without it the baseline is the libraries alone writing one
paragraph (python-docx, WeasyPrint with the CJK font, openpyxl), the floor no bulletin goes under.

`--command` times what an officer runs instead: `duban report --period P` (the three formats) as a fresh
process, wall clock, CPU time of it and its subprocesses (the PDF's process) and peak RSS (`os.wait4`);
with `--against`, that tree's command alternates with this one's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from io import BytesIO
from pathlib import Path

TODAY = date(2027, 1, 5)
PERIOD = "2026-12"
FLOOR = "floor"
STEPS = ("imports", "content", "docx", "pdf", "xlsx")
COMMAND_LINE = "{wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:.0f} MB"


def prepare(url: str) -> None:
    """A store with the default plan and a whole demo year of figures."""
    from duban.cli import default_plan_path
    from duban.demo import generate_demo_progress
    from duban.persistence.db import make_engine, session_factory, transaction
    from duban.persistence.migrate import upgrade
    from duban.plan.planfile import read_plan_file
    from duban.services.plan_loading import save_plan

    upgrade(url)
    plan = read_plan_file(default_plan_path())
    with transaction(session_factory(make_engine(url))) as session:
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=TODAY)


def peak_rss_mb() -> float:
    """The process's peak resident memory since the last reset, in MB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status)[1]) / 1024  # type: ignore[index]


def cpu_seconds() -> float:
    """CPU time of this process and of the subprocesses it waited for (WeasyPrint's library look-ups run gcc)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def measured(figures: dict[str, list[float]], step: str) -> Iterator[None]:
    """Record the step's wall clock, CPU seconds and peak RSS (MB) into `figures`."""
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, so the peak is this step's
    wall, cpu = time.perf_counter(), cpu_seconds()
    yield
    figures[step] = [time.perf_counter() - wall, cpu_seconds() - cpu, peak_rss_mb()]


def bulletin_steps(url: str, period: str, out: Path, figures: dict[str, list[float]]) -> None:
    """One bulletin of `period` from the store at `url`, in the three formats, each step measured."""
    from duban.persistence.db import make_engine, session_factory
    from duban.reports.service import bulletin_for, file_name

    render = renderer()

    with measured(figures, "content"), session_factory(make_engine(url))() as session:
        bulletin = bulletin_for(session=session, period=period, today=TODAY, record=False)
    for fmt in STEPS[2:]:  # docx, pdf, xlsx
        with measured(figures, fmt):
            (out / file_name(bulletin=bulletin, fmt=fmt)).write_bytes(render(bulletin=bulletin, fmt=fmt))


def renderer() -> Callable[..., bytes]:
    """`render` of the tree under test: `reports.files` now, `reports.service` in a tree before it (`--against`)."""
    try:
        from duban.reports.files import render
    except ImportError:
        from duban.reports.service import render  # type: ignore[attr-defined,no-redef]
    return render


def floor_steps(url: str, period: str, out: Path, figures: dict[str, list[float]]) -> None:
    """The libraries alone: one line of CJK text in each format (the fonts as the bulletin's PDF asks)."""
    import docx
    import openpyxl

    figures["content"] = [0.0, 0.0, peak_rss_mb()]
    with measured(figures, "docx"):
        document = docx.Document()
        document.add_paragraph("督查通报")
        document.save(BytesIO())
    with measured(figures, "pdf"):
        from weasyprint import HTML

        HTML(string="<p style=\"font-family: 'Noto Serif CJK SC', serif\">督查通报</p>").write_pdf()
    with measured(figures, "xlsx"):
        book = openpyxl.Workbook()
        book.active.append(["督查通报"])  # type: ignore[union-attr]
        book.save(BytesIO())


def child(variant: str, url: str, period: str) -> None:
    """One sample: the imports, then the bulletin cold and warm; prints one JSON line per run."""
    imports: dict[str, list[float]] = {}
    with measured(imports, "imports"):
        import docx  # noqa: F401
        import openpyxl  # noqa: F401

        if variant != FLOOR:
            import duban.persistence.db
            import duban.reports.service  # noqa: F401

            renderer()
    steps: Callable[..., None] = floor_steps if variant == FLOOR else bulletin_steps
    with tempfile.TemporaryDirectory() as folder:
        for label in ("cold", "warm"):
            figures = dict(imports) if label == "cold" else {}
            steps(url, period, Path(folder), figures)
            print(json.dumps({"run": label, "figures": figures}), flush=True)


def sample(variant: str, source: str | None, url: str, period: str) -> list[dict[str, object]]:
    """Run one fresh process of `variant` (`source`: another tree's src on PYTHONPATH); its runs."""
    env = dict(os.environ, PYTHONPATH=source) if source else dict(os.environ)
    command = [sys.executable, __file__, "--child", variant, "--url", url, "--period", period]
    start = time.perf_counter()
    lines = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout.splitlines()
    process = time.perf_counter() - start
    return [dict(json.loads(line), variant=variant, process=process) for line in lines]


def row_text(run: dict[str, object]) -> str:
    """One run as a line: each step's wall / CPU / peak RSS, then the sum."""
    figures: dict[str, list[float]] = run["figures"]  # type: ignore[assignment]
    steps = "  ".join(f"{s} {w:.2f}/{c:.2f}/{m:.0f}" for s, (w, c, m) in figures.items())
    wall, cpu = sum(f[0] for f in figures.values()), sum(f[1] for f in figures.values())
    peak = max(f[2] for f in figures.values())
    extra = f", process {run['process']:.2f} s" if run["run"] == "cold" else ""
    return f"{run['variant']:>9} {run['run']}: {steps}  | sum {wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:.0f} MB{extra}"


def summary(runs: list[dict[str, object]], variant: str, label: str) -> str:
    """The median over the rounds of the sum of steps (wall, CPU) and of the peak RSS."""
    chosen = [r["figures"] for r in runs if r["variant"] == variant and r["run"] == label]
    wall = statistics.median(sum(f[0] for f in figs.values()) for figs in chosen)  # type: ignore[union-attr]
    cpu = statistics.median(sum(f[1] for f in figs.values()) for figs in chosen)  # type: ignore[union-attr]
    peak = statistics.median(max(f[2] for f in figs.values()) for figs in chosen)  # type: ignore[union-attr]
    return f"{variant:>9} {label}: median {wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:.0f} MB ({len(chosen)} runs)"


def compare(url: str, period: str, against: str | None, rounds: int) -> None:
    """Alternate this tree and the baseline for `rounds` rounds; print every run, then the medians."""
    baseline = ("baseline", against) if against else (FLOOR, None)
    print(f"bulletin {period} of {url}; step wall s / CPU s / peak MB; load average {os.getloadavg()[0]:.1f}")
    runs: list[dict[str, object]] = []
    for _ in range(rounds):
        for variant, source in (("this tree", None), baseline):
            for run in sample(variant, source, url, period):
                runs.append(run)
                print(row_text(run), flush=True)
    for label in ("cold", "warm"):
        for variant in ("this tree", baseline[0]):
            print(summary(runs, variant, label))
    print(
        f"load average after: {os.getloadavg()[0]:.1f}; baseline {against or 'the libraries alone (floor)'}"
    )


def command_sample(source: str | None, url: str, period: str) -> dict[str, float]:
    """`duban report` of `period` (docx, pdf, xlsx) in a fresh process: wall s, CPU s with subprocesses, peak MB."""
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, DUBAN_DATABASE_URL=url, DUBAN_TODAY=TODAY.isoformat(), DUBAN_DATA_DIR=folder)
        env.update({"PYTHONPATH": source} if source else {})
        command = [sys.executable, "-m", "duban.cli", "report", "--period", period, "-o", folder]
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
    if process.returncode:
        raise SystemExit(f"duban report ({source or 'this tree'}) exited with {process.returncode}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss / 1024}


def compare_commands(url: str, period: str, against: str | None, rounds: int) -> None:
    """Alternate this tree's `duban report` with `against`'s (if given) for `rounds` rounds; every run, then medians."""
    variants = {"this tree": None, **({"baseline": against} if against else {})}
    print(f"duban report --period {period} of {url}; load average {os.getloadavg()[0]:.1f}")
    runs: dict[str, list[dict[str, float]]] = {variant: [] for variant in variants}
    for _ in range(rounds):
        for variant, source in variants.items():
            runs[variant].append(command_sample(source, url, period))
            print(f"{variant:>9}: " + COMMAND_LINE.format(**runs[variant][-1]), flush=True)
    for variant, chosen in runs.items():
        medians = {key: statistics.median(run[key] for run in chosen) for key in ("wall", "cpu", "peak")}
        print(f"{variant:>9} median: " + COMMAND_LINE.format(**medians))
    print(f"load average after: {os.getloadavg()[0]:.1f}; baseline {against or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", help="the URL of a store already loaded (read only)")
    parser.add_argument("--period", default=PERIOD, help="the bulletin's month, e.g. 2026-02")
    parser.add_argument("--against", help="another tree's src folder, run as the baseline (e.g. main's)")
    parser.add_argument("--rounds", type=int, default=2, help="fresh processes per variant, alternated")
    parser.add_argument("--command", action="store_true", help="time `duban report` itself (three formats)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    run = compare_commands if args.command else compare
    if args.child:
        child(args.child, args.url, args.period)
    elif args.store:
        run(args.store, args.period, args.against, args.rounds)
    else:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'duban.db'}"
            prepare(url)
            run(url, args.period, args.against, args.rounds)


if __name__ == "__main__":
    main()
