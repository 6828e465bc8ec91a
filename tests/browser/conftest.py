"""A real `duban serve` process on a prepared temp store, and Debian's Chromium driven by Playwright.

The store gets the migrations, the default 昭通 plan, demo progress up to May (the server pretends it is
10 June 2026, so June is open for reporting) and accounts with known passwords.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

BROWSER = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-output" / "screenshots"
PASSWORD = "browser test password"
TODAY = "2026-06-10"
OFFICE_SCREEN = {"width": 1366, "height": 900}
STARTUP_SECONDS = 120  # a loaded CI machine may take long to import the app
ACCOUNTS = {"admin": (None, "督查室"), "leader": (None, "市领导"), "zhenxiong": ("镇雄县", "镇雄县"),
            "zhaoyang": ("昭阳区", "昭阳区")}  # fmt: skip
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not BROWSER.exists():
        skip = pytest.mark.skip(
            reason=f"{BROWSER} is missing: install Debian's chromium package (apt install chromium)"
        )
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


def prepare_store(data_dir: Path) -> str:
    """Migrate a SQLite store, load the default plan, demo progress and the test accounts."""
    from duban.choices import Role
    from duban.cli import default_plan_path
    from duban.demo import generate_demo_progress
    from duban.persistence.db import make_engine, session_factory, transaction
    from duban.persistence.migrate import upgrade
    from duban.plan.planfile import read_plan_file
    from duban.services.plan_loading import save_plan
    from duban.services.users import add_user

    url = f"sqlite:///{data_dir / 'duban.db'}"
    upgrade(url)
    plan = read_plan_file(default_plan_path())
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=date.fromisoformat(TODAY))
        for name, (unit, label) in ACCOUNTS.items():
            role = Role.ADMIN if name == "admin" else Role.LEADER if name == "leader" else Role.REPORTER
            add_user(
                session=session, username=name, password=PASSWORD, role=role, unit=unit, display_name=label
            )
    engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a `duban serve` subprocess, ready to answer."""
    data_dir = tmp_path_factory.mktemp("browser-store")
    prepare_store(data_dir)
    with running_server(data_dir, TODAY) as base:
        yield base


@contextmanager
def running_server(data_dir: Path, today: str) -> Iterator[str]:
    """A `duban serve` subprocess on the store in `data_dir`, pretending it is `today`; its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DUBAN_DATA_DIR": str(data_dir),
        "DUBAN_TODAY": today,
        "DUBAN_SECRET_KEY": "browser-test",
    }
    env.pop("DUBAN_DATABASE_URL", None)
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "duban.cli", "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=data_dir)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, data_dir / "server.log")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"duban serve exited early:\n{log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(
        f"duban serve did not answer within {STARTUP_SECONDS} s:\n{log.read_text(encoding='utf-8')}"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(BROWSER), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def office_page(browser: Any, base_url: str, **options: Any) -> Iterator[Any]:
    """A page of a fresh browser context (no cookies) on a 1366 px office screen at `base_url`."""
    context = browser.new_context(viewport=OFFICE_SCREEN, locale="zh-CN", base_url=base_url, **options)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh browser context (no cookies) on a 1366 px office screen."""
    with office_page(browser, server, accept_downloads=True) as page:
        yield page


def log_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/login" not in url)


def shoot(page: Any, name: str) -> Path:
    """Save a full-page screenshot of the current page under test-output/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
