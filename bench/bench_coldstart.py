"""A server's first requests after a start, on a province store: wall time, the server's CPU time, its
garbage collections (a `gc.callbacks` probe in the server) and its memory, request by request (#21).

    uv run python bench/bench_coldstart.py --store /tmp/coldstart/prov.db          # a copy: accounts are added
    uv run python bench/bench_coldstart.py --store /tmp/coldstart/prov.db --old-src /work/wt-old/src --rounds 2
    uv run python bench/bench_coldstart.py --store /tmp/coldstart/prov.db --idle 20   # the first leader 20 s later

Each server is started as `duban serve` (one process on SQLite) with the probe; from its start the bench waits
for /readyz, asks /healthz every 50 ms for `--idle` seconds (what a load balancer sees while the server settles),
logs the office in and asks the dashboard, the map data and one indicator's page, `--repeat` times in turn.
With `--old-src` a server of that tree (`PYTHONPATH`) is started beside each of this tree's, alternated
old/new then new/old, so both meet the same machine. Never run it on the kept original store: it adds accounts.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

TODAY = "2026-11-28"  # as bench_dashboard: November open, ten months judged before it
PASSWORD = "bench coldstart password"
PATHS = ("/", "/map/data", "/indicators/{code}")
TICK = os.sysconf("SC_CLK_TCK")


def main() -> None:
    if sys.argv[1:2] == ["--probed-serve"]:
        _probed_serve(sys.argv[2:])
        return
    args = _arguments()
    code = _add_office(args.store)
    trees = [("new", None)] if not args.old_src else [("old", args.old_src), ("new", None)]
    for round_ in range(args.rounds):
        for name, src in trees if round_ % 2 == 0 else reversed(trees):
            load = Path("/proc/loadavg").read_text().split()[:3]
            print(f"\n== {name} (round {round_ + 1}; load average {' '.join(load)})")
            figures = _first_requests(args, src, code)
            _print(figures)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", required=True, help="a SQLite province store (a copy: accounts are added)")
    parser.add_argument("--old-src", help="the src folder of another tree, started alternately as 'old'")
    parser.add_argument("--rounds", type=int, default=1, help="servers started per tree")
    parser.add_argument("--repeat", type=int, default=3, help="times each page is asked, in turn")
    parser.add_argument("--idle", type=float, default=0.0, help="seconds between ready and the first page")
    parser.add_argument(
        "--until-warm", action="store_true", help="and until /readyz says the dashboard is warm"
    )
    parser.add_argument(
        "--pages", default=",".join(PATHS), help="the pages asked, in turn ({code}: an indicator)"
    )
    parser.add_argument("--today", default=TODAY)
    return parser.parse_args()


def _add_office(store: str) -> str:
    """An office account (admin without a unit: the province's plan) in the store, once; the code of the
    plan's first indicator."""
    from sqlalchemy import select

    from duban.choices import Role
    from duban.persistence.db import make_engine, session_factory, transaction
    from duban.persistence.migrate import upgrade
    from duban.persistence.models import IndicatorRow, UserRow
    from duban.services.plans import find_plan
    from duban.services.users import add_user

    url = f"sqlite:///{Path(store).resolve()}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        if session.scalar(select(UserRow.id).where(UserRow.username == "office")) is None:
            add_user(session=session, username="office", password=PASSWORD, role=Role.ADMIN)
        plan = find_plan(session=session)
        assert plan is not None
        code = session.scalars(select(IndicatorRow.code).where(IndicatorRow.plan_id == plan.id)
                               .order_by(IndicatorRow.id)).first()  # fmt: skip
    engine.dispose()
    return str(code)


def _first_requests(args: argparse.Namespace, src: str | None, code: str) -> dict[str, Any]:
    with _server(args, src) as (process, base, probe):
        ready = time.perf_counter() - process.began  # type: ignore[attr-defined]
        healthz = _healthz_while_idle(base, args.idle, until_warm=args.until_warm)
        warmed = httpx.get(f"{base}/readyz", timeout=30).json().get("warmed", "-")
        at_first = _sample(process.pid, probe)
        client = _office(base)
        rows = []
        for _ in range(args.repeat):
            for path in args.pages.split(","):
                rows.append(_timed(client, path.format(code=code), process.pid, probe))
        return {"ready s": ready, "healthz": healthz, "warmed": warmed, "before first": at_first, "rows": rows,
                "peak MB": _status(process.pid)["VmHWM"] / 1024}  # fmt: skip


@contextmanager
def _server(args: argparse.Namespace, src: str | None) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    folder = Path(tempfile.mkdtemp(prefix="duban-coldstart-"))
    probe, port = folder / "probe.json", _free_port()
    env = {**os.environ, "DUBAN_DATABASE_URL": f"sqlite:///{Path(args.store).resolve()}",
           "DUBAN_DATA_DIR": str(folder), "DUBAN_TODAY": args.today, "DUBAN_SECRET_KEY": "bench-coldstart",
           "COLDSTART_PROBE": str(probe)}  # fmt: skip
    if src:
        env["PYTHONPATH"] = src
    log = (folder / "server.log").open("w")
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, "--probed-serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    process.began = began  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield process, base, probe
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        stopped = time.perf_counter()
        process.wait(timeout=60)
        print(f"  stopped in {time.perf_counter() - stopped:.2f} s (exit {process.returncode}); log {folder}")


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{base} did not become ready")


def _healthz_while_idle(base: str, seconds: float, *, until_warm: bool) -> list[float]:
    """Wall seconds of each /healthz asked every 50 ms for `seconds` (with `until_warm`, also until /readyz
    says the dashboard is warm, if the server warms one)."""
    times, until = [], time.monotonic() + seconds
    while time.monotonic() < until or (until_warm and _warming(base)):
        started = time.perf_counter()
        httpx.get(f"{base}/healthz", timeout=30).raise_for_status()
        times.append(time.perf_counter() - started)
        time.sleep(0.05)
    return times


def _warming(base: str) -> bool:
    found = httpx.get(f"{base}/readyz", timeout=30).json()
    return "warmed" in found and found["warmed"] is None


def _office(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=300)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert token is not None
    answer = client.post(
        "/login", data={"username": "office", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303, answer.text[:300]
    return client


def _timed(client: httpx.Client, path: str, pid: int, probe: Path) -> dict[str, Any]:
    before = _sample(pid, probe)
    started = time.perf_counter()
    answer = client.get(path)
    wall = time.perf_counter() - started
    assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
    after = _sample(pid, probe)
    return {"path": path, "wall": wall, "cpu": after["cpu"] - before["cpu"],
            "gc": {gen: [a - b for a, b in zip(after["gc"][gen], before["gc"][gen], strict=True)]
                   for gen in after["gc"]}, "rss MB": after["rss MB"], "kb": len(answer.content) / 1024}  # fmt: skip


def _sample(pid: int, probe: Path) -> dict[str, Any]:
    """The server's CPU seconds so far (every thread), its RSS and its collections so far (asked by SIGUSR1)."""
    seen = json.loads(probe.read_text())["seq"] if probe.exists() else -1
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = json.loads(probe.read_text()) if probe.exists() else {"seq": -1}
        if found["seq"] != seen:
            break
        time.sleep(0.002)
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return {"cpu": (int(fields[11]) + int(fields[12])) / TICK, "gc": found["gc"],
            "rss MB": _status(pid)["VmRSS"] / 1024}  # fmt: skip


def _status(pid: int) -> dict[str, int]:
    """/proc/PID/status's kB figures."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            found[name] = int(value.split()[0])
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _print(figures: dict[str, Any]) -> None:
    health = figures["healthz"]
    worst = f"median {1000 * statistics.median(health):.0f}, max {1000 * max(health):.0f}" if health else "-"
    first = figures["before first"]
    print(f"  ready {figures['ready s']:.2f} s after the start; /healthz while idle: {len(health)} asked, "
          f"{worst} ms; before the first page: CPU {first['cpu']:.2f} s, RSS {first['rss MB']:.0f} MB, "
          f"gen-2 {first['gc']['2'][0]} ({1000 * first['gc']['2'][1]:.0f} ms); warmed {figures['warmed']}")  # fmt: skip
    print(
        f"  {'GET':<22}{'wall ms':>9}{'CPU ms':>9}{'gc ms':>8}{'gen2':>6}{'gen2 ms':>9}{'RSS MB':>8}{'KB':>7}"
    )
    for row in figures["rows"]:
        gc_ms = 1000 * sum(seconds for _, seconds in row["gc"].values())
        print(f"  {row['path']:<22}{1000 * row['wall']:>9.0f}{1000 * row['cpu']:>9.0f}{gc_ms:>8.0f}"
              f"{row['gc']['2'][0]:>6}{1000 * row['gc']['2'][1]:>9.0f}{row['rss MB']:>8.0f}{row['kb']:>7.0f}")  # fmt: skip
    print(f"  peak RSS (VmHWM) {figures['peak MB']:.0f} MB")


def _probed_serve(argv: list[str]) -> None:
    """`duban serve argv` with every collection's count and seconds per generation, written to
    $COLDSTART_PROBE (JSON {generation: [count, seconds]}) on SIGUSR1."""
    totals = {str(gen): [0, 0.0] for gen in range(3)}
    began, written = [0.0], [0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.thread_time()
            return
        total = totals[str(info["generation"])]
        total[0] += 1
        total[1] += time.thread_time() - began[0]

    def dump(*_: Any) -> None:
        written[0] += 1
        path = Path(os.environ["COLDSTART_PROBE"])
        path.with_suffix(".new").write_text(json.dumps({"seq": written[0], "gc": totals}))
        path.with_suffix(".new").replace(path)  # whole, never half written

    gc.callbacks.append(timed)
    signal.signal(signal.SIGUSR1, dump)
    from duban.cli import main as duban

    sys.argv = ["duban", "serve", *argv]
    duban()


if __name__ == "__main__":
    main()
