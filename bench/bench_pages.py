"""Page weight and server time of every page for every role on the demo store: the table issue 19 asks for.

The store is what `duban demo --no-serve` builds (the 昭通 2026 plan, figures up to May, the 1,584-project
ledger, 2025; the server pretends it is 10 June 2026). Each role (督查室, a county's and a department's reporter,
市领导) signs in with its demo account and follows the links its pages show from the seeds of
`tests/demo_pages.py`, one page per route template. Each page is requested once to warm the read caches, then
`--repeat` times through the real app in-process (TestClient: routing, auth, database, templates and gzip, no
network). Printed per page: the HTML's size as sent (gzip, as the app's middleware sends it) and unpacked; the
static files its <script> and <link> tags load on a first visit (unpacked; the browser caches them; what a
script fetches later, as the map's outline, is not counted); the median and slowest server time. Prints
figures; not a test.

Run: uv run python bench/bench_pages.py [--repeat 5] [--role leader]
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from duban.settings import Settings
from duban.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from demo_pages import ROLES, SEEDS, TODAY, RouteQuota, build_demo_store, demo_passwords, page_links

_STATIC = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(/static/[^"?]+)')


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        build_demo_store(data_dir=data_dir, url=f"sqlite:///{data_dir / 'duban.db'}")
        app = create_app(Settings(data_dir=data_dir, secret_key="bench", today=TODAY))
        passwords = demo_passwords(data_dir)
        print(f"demo store (SQLite), today {TODAY}; {args.repeat} requests per page, one page per route")
        print(f"{'role':<10} {'page':<48} {'gzip KB':>8} {'HTML KB':>8} {'static KB':>9} {'median ms':>9} "
              f"{'max ms':>8}")  # fmt: skip
        for role in args.role or ROLES:
            with TestClient(app) as client:
                _sign_in(client, ROLES[role], passwords[ROLES[role]])
                for row in _rows(client, args.repeat):
                    print(f"{role:<10} {_cut(row[0], 48):<48} {row[1]:8.1f} {row[2]:8.1f} {row[3]:9.1f} {row[4]:9.1f} "
                          f"{row[5]:8.1f}")  # fmt: skip


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="requests per page (the median is printed)")
    parser.add_argument("--role", action="append", choices=list(ROLES), help="only this role (repeatable)")
    return parser.parse_args()


def _sign_in(client: TestClient, username: str, password: str) -> None:
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert token, "the login page has no CSRF token"
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token[1]},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text[:300]


Row = tuple[str, float, float, float, float, float]


def _rows(client: TestClient, repeat: int) -> list[Row]:
    """(path, gzip KB, HTML KB, static KB, median ms, max ms) of each page the role reaches."""
    quota = RouteQuota(client.app, per_route=1)  # type: ignore[arg-type]
    queue, rows, static_sizes, done = [*SEEDS], list[Row](), dict[str, int](), set[str]()
    while queue:
        path = queue.pop(0)
        if path in done or (path not in SEEDS and not quota.admit(path)):
            continue  # the seeds (among them a 404) are timed whatever their route's quota
        done.add(path)
        times, response = _timed(client, path, repeat)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        queue += page_links(response.text)
        html = response.content
        static = sum(_static_size(client, src, static_sizes) for src in set(_STATIC.findall(response.text)))
        shown = path if response.status_code == 200 else f"{path} ({response.status_code})"
        rows.append((shown, len(gzip.compress(html)) / 1024, len(html) / 1024, static / 1024,
                     1000 * statistics.median(times), 1000 * max(times)))  # fmt: skip
    return rows


def _timed(client: TestClient, path: str, repeat: int) -> tuple[list[float], httpx.Response]:
    times, response = [], client.get(path)  # a first request warms the read caches, as a server's day does
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
    return times, response


def _static_size(client: TestClient, src: str, known: dict[str, int]) -> int:
    if src not in known:
        known[src] = len(client.get(src).content)
    return known[src]


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


if __name__ == "__main__":
    main()
