"""Month-end rush: every county and department saves and submits its figures at once, leaders refresh.

    uv run python bench/bench_load.py                                   # SQLite, 1 server, 1 worker
    uv run python bench/bench_load.py --db postgres \\
        --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres --servers 2 --workers 2
    uv run python bench/bench_load.py --clients 80 --leaders 20 --seconds 60   # the month-end rush (#15)
    uv run python bench/bench_load.py --db postgres --servers 2 --clients 500 --think 2 --leaders 20 --seconds 60

A temp store gets the migrations, the default 昭通 plan, demo figures up to May, the demo project ledger
(as `make demo`) and one reporter per
county and department (it is 10 June 2026, so June is open). N servers started as `duban serve` (with
its default worker processes unless --workers says otherwise, all on the same store) listen on loopback. Each reporter client logs in and, until the time is up,
saves every figure of its unit through the JSON API (PUT, with the version it last saw) and submits
them; an office client (one per server) returns them so the next round can save again. With --think,
a reporter waits that long (± half) before each request. With more clients than units,
the clients of a unit split its figures and submit theirs one by one. Leader clients, each signed in as a
leader of its own, refresh the dashboard, from a client process of their own (`LeadersApart`;
--one-client-process puts them beside the reporters' threads, as before 2026-12-06 23:40). Clients behave as users do: a save answered 409 (the figure changed since it was read) reloads
the sheet and saves once more, and conflicts are counted apart from errors; a login that fails is tried
again with backoff (clients that never get in are counted); the office clicks return again after a server
error; a broken connection is an error (status 599), not the end of the client. The clients speak HTTP through the
standard library (`PlainClient`: they share the servers' cores, which the users' browsers do not); `--client httpx`
runs them on httpx, as until 2026-12-07 (~3.5× the client's CPU a request). Afterwards every acknowledged save is checked against the store: the entry holds the last
acknowledged value, one audit record exists per acknowledged save, and no figure is stored twice.
The last line holds what the targets of #15/#21 need (errors, lost, save and dashboard p50/p95, req/s)
and says whether they are met.
"""

from __future__ import annotations

import argparse
import email.message
import gzip
import http.client
import json as jsonlib
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

TODAY = "2026-06-10"
PERIOD = "2026-06"
PASSWORD = "bench load password"
SECRET = "bench-load-secret"
MAX_LEADERS = 50
SAVE_P95, DASHBOARD_P95 = 1.0, 0.3  # seconds: the month-end rush's targets (#15, #21)
T = TypeVar("T")


@dataclass
class Tally:
    """What the clients saw: latencies by kind, errors, and every acknowledged save."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    served: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # the servers' own time
    # the dashboards again, by how the server answered: from a kept page ("copy") or made by the route
    answered: dict[str, list[tuple[float, float | None]]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    acked: dict[int, tuple[str, str]] = field(
        default_factory=dict
    )  # entry id -> (field, value) last acknowledged
    conflicts: Counter[str] = field(default_factory=Counter)  # 409s: another writer, not a fault
    saves: int = 0
    submits: int = 0
    lost: int = 0
    login_retries: int = 0
    shut_out: int = 0  # clients that never got in, however often they tried

    def timed(self, kind: str, seconds: float, status: int, body: str, served: float | None = None,
              kept: bool = False) -> None:  # fmt: skip
        with self.lock:
            self.latency[kind].append(seconds)
            if kind == "dashboard" and status == 200:
                self.answered["  from a copy" if kept else "  made anew"].append((seconds, served))
            if served is not None:
                self.served[kind].append(served)
            if status == 409:
                self.conflicts[f"{kind} {body[:80]}"] += 1
            elif status >= 400:
                self.errors[f"{kind} {status} {body[:80]}"] += 1

    def exported(self) -> dict[str, Any]:
        """What a client process saw, to be merged into the rush's tally (`merge`)."""
        names = ("latency", "served", "answered", "errors", "conflicts", "login_retries", "shut_out")
        return {name: getattr(self, name) for name in names}

    def merge(self, seen: dict[str, Any]) -> None:
        with self.lock:
            for name in ("latency", "served", "answered"):
                for kind, values in seen[name].items():
                    getattr(self, name)[kind].extend(values)
            self.errors.update(seen["errors"])
            self.conflicts.update(seen["conflicts"])
            self.login_retries += seen["login_retries"]
            self.shut_out += seen["shut_out"]

    def server_errors(self) -> int:
        """Answers the server should never give: 5xx and broken connections (599)."""
        return sum(n for error, n in self.errors.items() if int(error.split()[1]) >= 500)

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


def main() -> None:
    args = _arguments()
    with _store(args) as url, _servers(url, args) as bases:
        print(f"store: {make_url(url).render_as_string(hide_password=True)}; servers: {bases}")
        tally = Tally()
        elapsed = _run_clients(bases, args, tally)
        _report(tally, elapsed)
        _verify(url, tally)
        _verdict(tally, elapsed, args)
        if tally.lost:
            sys.exit(1)


def store_arguments(description: str | None) -> argparse.ArgumentParser:
    """The options every server benchmark shares: which store and how many app servers on it."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server to make a scratch database on")  # fmt: skip
    parser.add_argument(
        "--servers", type=int, default=1, help="app servers (`duban serve`) on the same store"
    )
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes per server (default: what `duban serve` chooses)")  # fmt: skip
    return parser


def _arguments() -> argparse.Namespace:
    parser = store_arguments(__doc__)
    parser.add_argument("--clients", type=int, default=0,
                        help="reporter clients (default: one per unit; more share the units' indicators)")  # fmt: skip
    parser.add_argument("--leaders", type=int, default=5, help="clients refreshing the dashboard")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=0.0, help="a reporter's pause before each request, s")
    parser.add_argument("--client", choices=("plain", "httpx"), default="plain",
                        help="the clients' HTTP library: the standard library's (`PlainClient`, default since "
                             "2026-12-07 10:00) or httpx (before; ~3.5× the client's CPU a request)")  # fmt: skip
    parser.add_argument("--one-client-process", action="store_true",
                        help="the leaders' clients as threads beside the reporters' (before 2026-12-06 23:40), "
                             "not in a process of their own")  # fmt: skip
    args = parser.parse_args()
    args.seconds, args.think = min(args.seconds, 600.0), max(args.think, 0.0)
    args.clients, args.leaders = min(args.clients, 1000), min(args.leaders, MAX_LEADERS)
    return args


# ── Store and servers ───────────────────────────────────────────────────────────────────────────────


@contextmanager
def _store(args: argparse.Namespace) -> Any:
    """A migrated temp store with the default plan, demo figures to May and the accounts."""
    from duban.persistence.migrate import upgrade

    if args.db == "sqlite":
        folder = tempfile.mkdtemp(prefix="duban-load-")
        url = f"sqlite:///{folder}/duban.db"
        upgrade(url)
        _load(url)
        yield url
        return
    with scratch_database(args.url, prefix="duban_load") as url:
        upgrade(url)
        _load(url)
        yield url


@contextmanager
def scratch_database(server_url: str, *, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new PostgreSQL database on the server of `server_url` (a copy of `template` if given), dropped after."""
    from duban.persistence.db import make_engine

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _load(url: str) -> None:
    from duban.choices import OrgKind, Role
    from duban.cli import default_plan_path
    from duban.demo import generate_demo_ledger, generate_demo_progress
    from duban.persistence.db import make_engine, session_factory, transaction
    from duban.persistence.models import OrgUnitRow
    from duban.plan.planfile import read_plan_file
    from duban.services.plan_loading import save_plan
    from duban.services.users import add_user

    plan = read_plan_file(default_plan_path())
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date.fromisoformat(TODAY))
        generate_demo_ledger(session=session, plan_row=row, today=date.fromisoformat(TODAY))
        add_user(session=session, username="office", password=PASSWORD, role=Role.ADMIN)
        kinds = (OrgKind.COUNTY.value, OrgKind.DEPARTMENT.value)
        for n, unit in enumerate(session.scalars(select(OrgUnitRow).where(OrgUnitRow.kind.in_(kinds)))):
            add_user(
                session=session,
                username=f"unit{n:03d}",
                password=PASSWORD,
                role=Role.REPORTER,
                unit=unit.name,
            )
        for n in range(MAX_LEADERS):  # each leader client signs in as a leader of its own, as real leaders do
            add_user(session=session, username=leader_name(n), password=PASSWORD, role=Role.LEADER)
    engine.dispose()


def leader_name(n: int) -> str:
    """The account of the n-th leader client: "leader" (the one other benches sign in as), then leader01…"""
    return f"leader{n:02d}" if n else "leader"


@contextmanager
def _servers(url: str, args: argparse.Namespace) -> Any:
    """`args.servers` servers started as `duban serve` (with `args.workers` workers each if given), ready."""
    data_dir = Path(tempfile.mkdtemp(prefix="duban-load-data-"))
    env = {**os.environ, "DUBAN_DATABASE_URL": url, "DUBAN_DATA_DIR": str(data_dir), "DUBAN_TODAY": TODAY,
           "DUBAN_SECRET_KEY": SECRET, "DUBAN_LOGIN_MAX_FAILURES": "1000"}  # fmt: skip
    processes, bases = [], []
    try:
        for n in range(args.servers):
            port = _free_port()
            log = (data_dir / f"server{n}.log").open("w")
            workers = ["--workers", str(args.workers)] if args.workers else []
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "duban.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *workers],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
            bases.append(f"http://127.0.0.1:{port}")
        for base in bases:
            _wait_ready(base)
        yield bases
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 180  # two servers of two processes start slowly on a busy machine
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{base} did not become ready")


# ── Clients ─────────────────────────────────────────────────────────────────────────────────────────


class Start:
    """Every client logs in and reads its sheet first; the timed rush starts when all are ready."""

    def __init__(self, parties: int, seconds: float) -> None:
        self.seconds, self.deadline, self.began = seconds, 0.0, 0.0
        self.barrier = threading.Barrier(parties, action=self._go)

    def _go(self) -> None:
        self.began = time.monotonic()
        self.deadline = self.began + self.seconds
        print(f"rush began {time.strftime('%H:%M:%S')}", flush=True)  # for a profiler started from outside

    def wait(self) -> float:
        self.barrier.wait()
        return self.deadline

    @contextmanager
    def or_abort(self) -> Iterator[None]:
        """A client that fails before the rush stops the run instead of leaving the others waiting."""
        try:
            yield
        except BaseException:
            self.barrier.abort()
            raise


def _run_clients(bases: list[str], args: argparse.Namespace, tally: Tally) -> float:
    """Run the rush; return its length in seconds (from the moment every client was ready)."""
    reporters = _reporter_names(args.clients)
    apart = (
        LeadersApart.begin(bases, args) if args.leaders and not args.one_client_process else None
    )  # no thread yet
    start = Start(len(reporters) + (1 if apart else args.leaders), args.seconds)
    offices = {
        base: _session(base, "office", tally, plain=args.client == "plain")[0] for base in bases
    }  # before the rush: may fail the run
    threads = [threading.Thread(target=_reporter, args=(bases[n % len(bases)], who, start, tally, args.think,
                                                        offices[bases[n % len(bases)]], args.client == "plain"))
               for n, who in enumerate(reporters)]  # fmt: skip
    threads += (
        [threading.Thread(target=apart.relay, args=(start,))]
        if apart
        else _leaders(bases, args, start, tally)
    )
    print(f"{len(reporters)} reporter clients (think {args.think:g} s), {args.leaders} leader clients"
          f"{' in a process of their own' if apart else ''}, {args.seconds:.0f} s; servers {len(bases)}, workers "
          f"{args.workers or 'as duban serve'}")  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=args.seconds + 600)
    for office in offices.values():
        office.close()
    if apart:
        tally.merge(apart.seen(timeout=args.seconds + 600))
    return time.monotonic() - start.began


def _leaders(bases: list[str], args: argparse.Namespace, start: Any, tally: Tally) -> list[threading.Thread]:
    return [threading.Thread(target=_leader, args=(bases[n % len(bases)], leader_name(n), start, tally,
                                                   args.client == "plain"))
            for n in range(args.leaders)]  # fmt: skip


@dataclass
class LeadersApart:
    """The leaders' clients in a process of their own, as leaders are on machines of their own: beside 500
    reporters' threads in one client process, a dashboard's answer waited for that process's GIL (the clients
    added 70–300 ms to a p95 at 500 + 20, bench/README). The process joins the rush through one party of its
    barrier (`relay`) and hands back what its clients saw (`seen`)."""

    ready: Any  # multiprocessing events: every leader signed in; the rush begins; a leader failed before it
    go: Any
    failed: Any
    deadline: Any  # multiprocessing.Value("d"): the rush's end on the machine's monotonic clock
    results: Any  # the receiving end of a pipe
    process: Any = field(default=None, init=False)  # the leaders' process, once forked (it runs `_run`)

    @classmethod
    def begin(cls, bases: list[str], args: argparse.Namespace) -> LeadersApart:
        """Fork the leaders' process (before any thread of this one runs) and let its clients sign in."""
        fork = multiprocessing.get_context("fork")
        ready, go, failed, deadline = fork.Event(), fork.Event(), fork.Event(), fork.Value("d", 0.0)
        results, sending = fork.Pipe(duplex=False)
        apart = cls(ready, go, failed, deadline, results)
        apart.process = fork.Process(target=apart._run, args=(bases, args, sending), daemon=True)
        apart.process.start()
        sending.close()
        return apart

    def relay(self, start: Start) -> None:
        """The leaders' party in the rush's barrier: ready once every leader is, then the deadline passed on."""
        with start.or_abort():
            self.ready.wait()
            if self.failed.is_set():
                raise RuntimeError("a leader's client failed before the rush")
        self.deadline.value = start.wait()
        self.go.set()

    def seen(self, timeout: float) -> dict[str, Any]:
        """What the leaders' clients saw, once they are done."""
        if not self.results.poll(timeout):
            raise RuntimeError("the leaders' process sent nothing back")
        seen: dict[str, Any] = self.results.recv()
        self.process.join(timeout=30)
        return seen

    def _run(self, bases: list[str], args: argparse.Namespace, sending: Any) -> None:
        tally, start = Tally(), RelayedStart(self, args.leaders)
        threads = _leaders(bases, args, start, tally)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 600)
        sending.send(tally.exported())


class RelayedStart:
    """`Start` in the leaders' process: its barrier's last party tells the rush's and waits for it to begin."""

    def __init__(self, apart: LeadersApart, parties: int) -> None:
        self.apart = apart
        self.barrier = threading.Barrier(parties, action=self._relay)

    def _relay(self) -> None:
        self.apart.ready.set()
        if not self.apart.go.wait(timeout=3600):
            raise RuntimeError("the rush never began")

    def wait(self) -> float:
        self.barrier.wait()
        deadline: float = self.apart.deadline.value
        return deadline

    @contextmanager
    def or_abort(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.apart.failed.set()
            self.apart.ready.set()
            self.barrier.abort()
            raise


def _reporter_names(wanted: int) -> list[tuple[str, int, int]]:
    """(account, share, shares) per reporter client: one per unit by default; with more clients than
    units, the clients of a unit split its indicators between them (share k of n: every n-th row)."""
    from duban.cli import default_plan_path
    from duban.plan.planfile import read_plan_file

    plan = read_plan_file(default_plan_path())
    units = sum(1 for u in plan.units if u.kind.value in ("county", "department"))
    clients = wanted or units
    shares = [len(range(u, clients, units)) for u in range(units)]
    return [(f"unit{n % units:03d}", n // units, shares[n % units]) for n in range(clients)]


class PlainClient:
    """A user's browser for the rush, on the standard library's `http.client`: a kept-alive connection per thread
    (the office's client is shared by the reporters' threads, as httpx's pool was), the login cookie kept, gzip
    asked for and unpacked only when the answer is read. The clients ran on httpx until
    2026-12-07: ~2.0 ms of CPU a request on this machine against ~0.55 ms for this one (a JSON save), ~3.0
    against ~0.9 ms for a gzipped page (bench/README, session 19): at 500 + 20 the clients' own process took
    0.3–0.5 of the two cores the servers run on, which the users' browsers do not. `--client httpx` keeps the
    old client, to compare in one sitting."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port
        self.headers: dict[str, str] = {"accept-encoding": "gzip"}
        self.cookies: dict[str, str] = {}
        self.local = threading.local()
        self.opened: list[http.client.HTTPConnection] = []

    def request(
        self, method: str, path: str, *, json: Any = None, data: dict[str, str] | None = None
    ) -> Answer:
        """Send one request; a broken connection is closed (the next request opens another) and raised."""
        headers = dict(self.headers)
        body = None
        if json is not None:
            body, headers["content-type"] = jsonlib.dumps(json).encode(), "application/json"
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = self._connection()
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            return self._answer(answer, answer.read())
        except BaseException:
            connection.close()
            raise

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, *, data: dict[str, str] | None = None) -> Answer:
        return self.request("POST", path, data=data)

    def close(self) -> None:
        for connection in self.opened:
            connection.close()

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self.local, "connection", None)
        if connection is None:
            connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.opened.append(connection)
        return connection

    def _answer(self, answer: http.client.HTTPResponse, body: bytes) -> Answer:
        for cookie in answer.msg.get_all("set-cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value:
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        return Answer(answer.status, answer.msg, body)


@dataclass
class Answer:
    """What a `PlainClient` request got: the status, the headers (case does not matter) and the body as sent."""

    status_code: int
    headers: email.message.Message
    content: bytes

    @property
    def body(self) -> bytes:
        if self.headers.get("content-encoding") == "gzip":
            return gzip.decompress(self.content)
        return self.content

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.body)


BROKEN = (httpx.HTTPError, OSError, http.client.HTTPException)  # a request that got no answer, either client

# Logins before the rush take turns: 200 argon2 checks at once would take minutes on a small machine.
LOGINS = threading.Semaphore(4)
LOGIN_TRIES = 5  # a user whose login page errs tries again, waiting 1, 2, 4, 8 s


def _persistently(tally: Tally, sign_in: Callable[[], T]) -> T | None:
    """`sign_in()` (a client's login and first reads), tried again with backoff as a user would; None (and
    counted) if it never succeeds."""
    for attempt in range(LOGIN_TRIES):
        try:
            return sign_in()
        except (*BROKEN, LookupError, ValueError, AttributeError) as exc:
            if attempt == LOGIN_TRIES - 1:
                print(f"  a client gave up signing in: {type(exc).__name__} {exc}"[:200])
                tally.count("shut_out")
                return None
            tally.count("login_retries")
            time.sleep(2**attempt * random.uniform(0.5, 1.5))
    return None


def _session(base: str, username: str, tally: Tally, plain: bool = False) -> tuple[Any, str]:
    """A client signed in as `username` (a `PlainClient` with `plain`, else an httpx client), and its CSRF token."""
    client: Any = PlainClient(base) if plain else httpx.Client(base_url=base, timeout=60)
    with LOGINS:
        page = client.get("/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        started = time.perf_counter()
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        tally.timed("login", time.perf_counter() - started, response.status_code, response.text)
    if response.status_code >= 400:  # signed in: 303 to the dashboard
        raise httpx.HTTPError(f"login answered {response.status_code}")
    page = client.get("/login")  # carries the new session's token
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.headers["X-CSRF-Token"] = token
    return client, token


def _call(
    client: Any,
    tally: Tally,
    kind: str,
    method: str,
    path: str,
    *,
    think: float = 0.0,
    **kwargs: Any,
) -> Any:
    if think:
        time.sleep(random.uniform(0.5, 1.5) * think)
    started = time.perf_counter()
    try:
        response = client.request(method, path, **kwargs)
    except BROKEN as exc:  # a broken connection: the user sees an error page and goes on
        response = httpx.Response(599, text=f"{type(exc).__name__} {exc}")
    kept = "copy;" in (response.headers.get("Server-Timing") or "")
    said = response.text if response.status_code >= 400 else ""  # a page is read, not decoded, as it is shown
    tally.timed(kind, time.perf_counter() - started, response.status_code, said, _served(response), kept)
    return response


def _served(response: Any) -> float | None:
    """The server's own time for the request (its `Server-Timing: app;dur=<ms>`), in seconds; None if not said."""
    found = re.match(r"app;dur=([\d.]+)", response.headers.get("Server-Timing") or "")
    return float(found.group(1)) / 1000 if found else None


def _reporter(base: str, who: tuple[str, int, int], start: Start, tally: Tally, think: float,
              office: Any, plain: bool = False) -> None:  # fmt: skip
    """Save every figure of its share, submit, have the office return them; again until the deadline.

    A unit's only client submits the unit at once; clients sharing a unit submit their own figures.
    """
    username, share, shares = who
    with start.or_abort():
        ready = _persistently(tally, lambda: _sign_in_reporter(base, username, tally, plain))
    deadline, round_ = start.wait(), 0
    if ready is None:
        return
    client, unit_id, rows = ready
    sheet = rows[share::shares]
    versions = {r["indicator_id"]: (r["entry"] or {}).get("version", 0) for r in sheet}
    while sheet and time.monotonic() < deadline:
        round_ += 1
        entries = [_save(client, tally, unit_id, row, versions, round_, think) for row in sheet]
        if time.monotonic() >= deadline:
            break
        if shares == 1:
            _call(
                client, tally, "submit", "POST", f"/api/periods/{PERIOD}/units/{unit_id}/submit", think=think
            )
        else:
            for entry_id in filter(None, entries):
                _call(client, tally, "submit", "POST", f"/api/entries/{entry_id}/submit", think=think)
        with tally.lock:
            tally.submits += 1
        for entry_id in filter(None, entries):
            back = _return(office, tally, entry_id)
            if back.status_code == 200:
                versions[back.json()["indicator_id"]] = back.json()["version"]
    client.close()


def _sign_in_reporter(
    base: str, username: str, tally: Tally, plain: bool = False
) -> tuple[Any, int, list[dict[str, Any]]]:
    """A reporter's login, its unit and its sheet (the client is closed if any of it fails)."""
    client, _ = _session(base, username, tally, plain)
    try:
        unit_id = int(_call(client, tally, "units", "GET", "/api/units").json()[0]["id"])
        return client, unit_id, _sheet(client, tally, unit_id)
    except BaseException:
        client.close()
        raise


def _sheet(client: Any, tally: Tally, unit_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = _call(
        client, tally, "sheet", "GET", f"/api/periods/{PERIOD}/units/{unit_id}/sheet"
    ).json()["rows"]
    return rows


def _return(office: Any, tally: Tally, entry_id: int) -> Any:
    """The office returns a figure; on a server error it clicks again once (else the figure stays submitted)."""
    path = f"/api/entries/{entry_id}/return"
    back = _call(office, tally, "return", "POST", path, json={"reason": "请复核"})
    if back.status_code >= 500:
        time.sleep(1)
        back = _call(office, tally, "return", "POST", path, json={"reason": "请复核"})
    return back


def _save(client: Any, tally: Tally, unit_id: int, row: dict[str, Any], versions: dict[int, int],
          round_: int, think: float) -> int | None:  # fmt: skip
    """Save the row's figure; after a 409 (the figure changed since it was read) reload it and save once more,
    as a reporter does."""
    body, value = _figure(row, round_)
    body |= {"confirmed": True, "note": f"第{round_}轮,按计划推进"}
    path = f"/api/periods/{PERIOD}/units/{unit_id}/indicators/{row['indicator_id']}"
    response = _call(client, tally, "save", "PUT", path, json=body | {"version": versions[row["indicator_id"]]},
                     think=think)  # fmt: skip
    if response.status_code == 409:
        _reload(client, tally, unit_id, versions)
        response = _call(
            client, tally, "save", "PUT", path, json=body | {"version": versions[row["indicator_id"]]}
        )
    if response.status_code != 200:
        return None
    entry = response.json()
    versions[row["indicator_id"]] = entry["version"]
    with tally.lock:
        tally.saves += 1
        tally.acked[entry["id"]] = value
    return int(entry["id"])


def _reload(client: Any, tally: Tally, unit_id: int, versions: dict[int, int]) -> None:
    """The versions the store holds now, read from the unit's sheet (a failed read leaves them as they were)."""
    try:
        rows = _sheet(client, tally, unit_id)
    except (LookupError, ValueError):
        return
    for row in rows:
        if row["indicator_id"] in versions:
            versions[row["indicator_id"]] = (row["entry"] or {}).get("version", 0)


def _figure(row: dict[str, Any], round_: int) -> tuple[dict[str, Any], tuple[str, str]]:
    """This round's figure for the row (a little more than last month's, different every round), and the
    field and value the store must then hold."""
    previous = row["previous"] or {}
    if row["mode"] == "ratio":
        # a little below last month's share, different every round, never above the denominator
        share = Decimal(1) - Decimal(round_ % 10 + 1) / 1000
        numerator = (Decimal(str(previous.get("numerator") or 50)) * share).quantize(Decimal("0.01"))
        body = {"numerator": str(numerator), "denominator": str(previous.get("denominator") or 1000)}
        return body, ("numerator", str(numerator))
    if row["mode"] == "stage":
        day = f"2026-06-{1 + round_ % 9:02d}"
        return {"stage": "实施中", "stage_date": day}, ("stage_date", day)
    base = Decimal(str(previous.get("value") or row["target"] or 10))
    value = (base + Decimal(round_) / 100).quantize(Decimal("0.01"))
    return {"value": str(value)}, ("value", str(value))


def _leader(base: str, username: str, start: Start, tally: Tally, plain: bool = False) -> None:
    with start.or_abort():
        signed_in = _persistently(tally, lambda: _session(base, username, tally, plain))
    deadline = start.wait()
    if signed_in is None:
        return
    client, _ = signed_in
    while time.monotonic() < deadline:
        _call(client, tally, "dashboard", "GET", "/")
    client.close()


# ── Figures and checks ──────────────────────────────────────────────────────────────────────────────


def _report(tally: Tally, elapsed: float) -> None:
    every = [s for kind, values in tally.latency.items() if kind != "login" for s in values]
    served_every = [s for kind, values in tally.served.items() if kind != "login" for s in values]
    print(f"requests {len(every)}, errors {sum(tally.errors.values())}, {len(every) / elapsed:.1f} req/s over "
          f"{elapsed:.1f} s; acknowledged saves {tally.saves}, submits {tally.submits}")  # fmt: skip
    print(f"server errors (5xx, broken connections) {tally.server_errors()}, other refusals (4xx) "
          f"{sum(tally.errors.values()) - tally.server_errors()}; conflicts (409, reloaded and saved again) "
          f"{sum(tally.conflicts.values())}; login retries {tally.login_retries}, clients shut out "
          f"{tally.shut_out}")  # fmt: skip
    print(
        "what the clients measured (send to answer), and the servers' own time (`Server-Timing`: the app's "
        "call to the response's start; the rest is the wait for the server's event loop, network and client)"
    )
    print(f"{'kind':13} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'server p50':>10} {'p95':>6} {'p99':>6}")  # fmt: skip
    for kind, values in [*sorted(tally.latency.items()), ("all but login", every)]:
        served = served_every if kind == "all but login" else tally.served.get(kind, [])
        print(f"{kind:13} {len(values):7d} " + " ".join(f"{v:8.0f}" for v in _percentiles(values))
              + (" {:10.0f} {:6.0f} {:6.0f}".format(*_percentiles(served)) if served else ""))  # fmt: skip
        if kind == "dashboard":
            _report_answered(tally)
    for error, count in tally.errors.most_common(10):
        print(f"  error ×{count}: {error}")
    for conflict, count in tally.conflicts.most_common(3):
        print(f"  conflict ×{count}: {conflict}")


def _report_answered(tally: Tally) -> None:
    """The dashboards' rows again, split by how the server answered (its `Server-Timing` says `copy`)."""
    for how, pairs in sorted(tally.answered.items()):
        values, served = [c for c, _ in pairs], [s for _, s in pairs if s is not None]
        print(f"{how:13} {len(values):7d} " + " ".join(f"{v:8.0f}" for v in _percentiles(values))
              + (" {:10.0f} {:6.0f} {:6.0f}".format(*_percentiles(served)) if served else ""))  # fmt: skip


def _percentiles(values: list[float]) -> list[float]:
    if len(values) < 2:
        return [1000 * (values[0] if values else 0)] * 4
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return [1000 * cuts[49], 1000 * cuts[94], 1000 * cuts[98], 1000 * max(values)]


def _verify(url: str, tally: Tally) -> None:
    """Every acknowledged save is in the store with its value; one audit record each; no duplicates."""
    from duban.persistence.db import make_engine, session_factory
    from duban.persistence.models import AuditRow, EntryRow

    engine = make_engine(url)
    with session_factory(engine)() as session:
        rows = {r.id: r for r in session.scalars(select(EntryRow).where(EntryRow.id.in_(tally.acked)))}
        audits = session.scalar(select(func.count()).select_from(AuditRow).where(
            AuditRow.action == "entry.record", AuditRow.entity_id.in_(tally.acked))) or 0  # fmt: skip
        doubles = session.execute(select(EntryRow.indicator_id, EntryRow.unit_id, EntryRow.period_id)
                                  .group_by(EntryRow.indicator_id, EntryRow.unit_id, EntryRow.period_id)
                                  .having(func.count() > 1)).all()  # fmt: skip
    engine.dispose()
    lost = [i for i, wanted in tally.acked.items() if i not in rows or not _holds(rows[i], *wanted)]
    print(f"checked {len(tally.acked)} figures: lost or stale {len(lost)}; audit records {audits} for "
          f"{tally.saves} acknowledged saves; figures stored twice {len(doubles)}")  # fmt: skip
    for entry_id in lost[:10]:
        row = rows.get(entry_id)
        print(f"  lost: entry {entry_id} acknowledged {tally.acked[entry_id]}, stored "
              f"{getattr(row, tally.acked[entry_id][0], None) if row else 'nothing'}")  # fmt: skip
    tally.lost = len(lost) + len(doubles) + max(0, tally.saves - audits)


def _verdict(tally: Tally, elapsed: float, args: argparse.Namespace) -> None:
    """One line with every figure the targets need, and whether they are met."""
    save, dashboard = tally.latency.get("save", []), tally.latency.get("dashboard", [])
    (s50, s95), (d50, d95) = _percentiles(save)[:2], _percentiles(dashboard)[:2]
    requests = sum(len(v) for kind, v in tally.latency.items() if kind != "login")
    errors = sum(tally.errors.values()) + tally.shut_out
    met = (
        not errors
        and not tally.lost
        and s95 < 1000 * SAVE_P95
        and (not dashboard or d95 < 1000 * DASHBOARD_P95)
    )
    print(f"TARGETS {'MET' if met else 'NOT MET'}: db {args.db}, servers {args.servers}, workers "
          f"{args.workers or 'default'}, clients {args.clients or 'per unit'} (think {args.think:g} s), leaders "
          f"{args.leaders}: errors {errors} (server {tally.server_errors()}, shut out {tally.shut_out}), conflicts "
          f"{sum(tally.conflicts.values())}, lost {tally.lost}, {requests / elapsed:.1f} req/s, save p50/p95 "
          f"{s50:.0f}/{s95:.0f} ms (< {1000 * SAVE_P95:.0f}), dashboard p50/p95 {d50:.0f}/{d95:.0f} ms "
          f"(< {1000 * DASHBOARD_P95:.0f}){_served_p95(tally)}")  # fmt: skip


def _served_p95(tally: Tally) -> str:
    """The servers' own p95 of saves and dashboards, if they said their time (`Server-Timing`)."""
    if not tally.served:
        return ""
    save, dashboard = (_percentiles(tally.served.get(kind, []))[1] for kind in ("save", "dashboard"))
    return f"; the servers' own p95: save {save:.0f}, dashboard {dashboard:.0f} ms"


def _holds(entry: Any, name: str, wanted: str) -> bool:
    stored = getattr(entry, name)
    if name == "stage_date":
        return stored is not None and stored.isoformat() == wanted
    # at the precision sent: SQLite keeps numerics as REAL, so 10450501762.03 comes back as ...030001
    return stored is not None and Decimal(stored).quantize(Decimal(wanted)) == Decimal(wanted)


if __name__ == "__main__":
    main()
