"""Every page of the site for every role, on the store `duban demo` builds: the page tests' common ground.

A role starts at the seeds and follows the links its pages show (the site's own GET pages, not downloads or the
API), visiting at most a few pages per route template: /indicators/{code} has 55 pages, one or two tell as much.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from fastapi import FastAPI
from starlette.routing import compile_path

from security.routes import all_routes

TODAY = "2026-06-10"  # June open for reporting, five months of figures
ROLES = {"office": "admin", "county": "county08", "department": "dept01", "leader": "leader"}
SEEDS = ("/", "/map/attribution", "/indicators/NO-SUCH")
NOT_PAGES = ("/static/", "/api/", "/logout", "/metrics", "/healthz", "/readyz", "/evidence/")
_HREF = re.compile(r'<a\b[^>]*\bhref="([^"#][^"]*)"')
_DOWNLOAD = re.compile(r"(\.(docx|pdf|xlsx|xls|csv|zip|md)$|^/reports/file)")


def build_demo_store(*, data_dir: Path, url: str) -> None:
    """Run `duban demo --no-serve` on the store at `url`, its accounts' passwords written into `data_dir`."""
    env = {**os.environ, "DUBAN_DATA_DIR": str(data_dir), "DUBAN_DATABASE_URL": url, "DUBAN_TODAY": TODAY}
    env.pop("DUBAN_SECRET_KEY", None)
    built = subprocess.run([sys.executable, "-m", "duban.cli", "demo", "--no-serve"], env=env, cwd=data_dir,
                           capture_output=True, text=True, timeout=900)  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr


def demo_passwords(data_dir: Path) -> dict[str, str]:
    """The demo accounts' passwords, as `duban demo` writes them."""
    lines = (data_dir / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()
    return {line.split("\t")[0]: line.split("\t")[1] for line in lines if not line.startswith("#")}


def page_links(html: str) -> list[str]:
    """The site's own page links in `html`: no fragments, files to download, API or static files."""
    found = []
    for href in _HREF.findall(html):
        href = urldefrag(href.replace("&amp;", "&"))[0]
        own = href.startswith("/") and not href.startswith(NOT_PAGES) and not urlsplit(href).netloc
        if own and not _DOWNLOAD.search(urlsplit(href).path):
            found.append(href)
    return found


class RouteQuota:
    """Admits at most `per_route` distinct paths for each GET route template of `app`."""

    def __init__(self, app: FastAPI, per_route: int) -> None:
        self.routes = [(r.path, compile_path(r.path)[0]) for r in all_routes(app) if r.method == "GET"]
        self.per_route = per_route
        self.seen: set[str] = set()
        self.counts: dict[str, int] = {}

    def admit(self, path: str) -> bool:
        """Whether to visit `path` (and count it if so)."""
        route = self.route_of(path)
        if path in self.seen or self.counts.get(route, 0) >= self.per_route:
            return False
        self.seen.add(path)
        self.counts[route] = self.counts.get(route, 0) + 1
        return True

    def route_of(self, path: str) -> str:
        bare = urlsplit(path).path
        return next((template for template, pattern in self.routes if pattern.match(bare)), bare)
