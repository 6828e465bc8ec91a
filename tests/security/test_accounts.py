"""Accounts: cookie flags, login throttling, disabled users, no default passwords, argon2 hashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from builders import make_plan
from duban.cli import app as cli
from duban.persistence.models import UserRow
from duban.services.plan_loading import save_plan
from duban.services.users import ensure_demo_users, set_active
from duban.settings import Settings, get_settings
from duban.web.app import create_app
from security.conftest import PASSWORD, store_checksum
from web.conftest import page_csrf

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ["src", "deploy", "docs", "scripts", "Dockerfile", "README.md", "Makefile", ".env.example"]
CREDENTIAL = re.compile(r"""(passw(or)?d|pwd|secret)\w*\s*[:=]\s*["'][^"'\s]{3,}["']""", re.IGNORECASE)
# Literals that look like credentials but guard no account, and why.
NOT_ACCOUNTS = {
    "PROTECTION_PASSWORD": "Excel sheet protection against accidental edits; HMAC guards the rest"
}


def test_login_sets_an_httponly_samesite_session_cookie(session_as):
    client, token = session_as(None)
    response = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)  # fmt: skip
    cookie = response.headers["set-cookie"].lower()
    assert response.status_code == 303
    assert "duban_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie


@pytest.fixture
def throttled(db_url, tmp_path, world) -> TestClient:
    settings = Settings(database_url=db_url, data_dir=tmp_path / "d", secret_key="k", today="2026-06-10",
                        login_max_failures=3, login_lockout_seconds=600)  # fmt: skip
    return TestClient(create_app(settings))


def _login(client: TestClient, username: str, password: str) -> int:
    token = page_csrf(client)
    data = {"username": username, "password": password, "csrf_token": token}
    return client.post("/login", data=data, follow_redirects=False).status_code


def test_repeated_failures_throttle_the_address_not_other_accounts_from_elsewhere(throttled, world):
    assert [_login(throttled, "zhenxiong", "guess number one") for _ in range(4)] == [401] * 3 + [429]
    assert _login(throttled, "zhenxiong", PASSWORD) == 429
    elsewhere = TestClient(throttled.app, client=("10.0.0.9", 50000))
    assert _login(elsewhere, "zhaoyang", PASSWORD) == 303


def test_a_disabled_users_open_session_stops_working_at_once(session_as, factory, engine, world):
    client, token = session_as("zhenxiong")
    assert client.get(f"/entry/{world.victim_unit}?month=6").status_code == 200
    with factory() as session, session.begin():
        set_active(session=session, username="zhenxiong", active=False)
    before = store_checksum(engine)
    page = client.get(f"/entry/{world.victim_unit}?month=6", follow_redirects=False)
    api = client.get("/api/units")
    write = client.put(f"/api/periods/{world.period_key}/units/{world.victim_unit}/indicators/{world.indicator}",
                       json={"value": "1", "version": 0}, headers={"X-CSRF-Token": token})  # fmt: skip
    assert (page.status_code, page.headers["location"][:6]) == (303, "/login")
    assert api.status_code == 401
    assert write.status_code in (401, 403)  # the refused page cleared the session, CSRF token included
    assert store_checksum(engine) == before


def _shipped_files() -> list[Path]:
    found: list[Path] = []
    for name in SHIPPED:
        path = REPO / name
        found += [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return [p for p in found if p.suffix not in {".png", ".jpg", ".pdf", ".xlsx", ".docx", ".pyc"}
            and ".min." not in p.name and "vendor" not in p.parts]  # fmt: skip


def test_no_password_or_secret_literal_is_shipped():
    hits = []
    for path in _shipped_files():
        text = path.read_text(encoding="utf-8", errors="ignore")
        for match in CREDENTIAL.finditer(text):
            line = text[text.rfind("\n", 0, match.start()) + 1 : text.find("\n", match.end())]
            if not any(name in line for name in NOT_ACCOUNTS):
                hits.append(f"{path.relative_to(REPO)}: {line.strip()}")
    assert hits == []
    assert len(_shipped_files()) > 50  # the scan did look at the source


def _demo_passwords(tmp: Path, factory) -> dict[str, str]:
    with factory() as session, session.begin():
        listing = ensure_demo_users(session=session, plan=make_plan(), data_dir=tmp)
    rows = [line.split("\t") for line in listing.read_text(encoding="utf-8").splitlines()[1:]]
    assert oct(listing.stat().st_mode & 0o777) == "0o600"
    return {row[0]: row[1] for row in rows}


def test_demo_accounts_get_fresh_random_passwords(factory, tmp_path):
    with factory() as session, session.begin():
        save_plan(session=session, plan=make_plan())
    first = _demo_passwords(tmp_path / "a", factory)
    second = _demo_passwords(tmp_path / "b", factory)
    assert {"admin", "leader"} <= first.keys()
    assert all(first[name] != second[name] for name in first)
    assert len(set(first.values())) == len(first)
    assert all(len(p) >= 10 and name not in p for name, p in first.items())


def test_user_add_prints_a_new_random_password_each_time(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("DUBAN_DATABASE_URL", db_url)
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        outputs = [CliRunner().invoke(cli, ["user", "add", name, "--role", "admin"]) for name in ("a1", "a2")]
    finally:
        get_settings.cache_clear()
    passwords = [re.search(r"初始密码.*?：(\S+)", o.output).group(1) for o in outputs]  # type: ignore[union-attr]
    assert all(o.exit_code == 0 for o in outputs)
    assert passwords[0] != passwords[1] and min(map(len, passwords)) >= 10


def test_passwords_are_stored_only_as_argon2id_hashes(factory, engine, world):
    with factory() as session:
        hashes = list(session.scalars(select(UserRow.password_hash)))
    assert len(hashes) == 7  # the four of the web tests, 曲靖市's office and leader, 麒麟区's reporter
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert all(PasswordHasher().verify(h, PASSWORD) for h in hashes)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as connection:
        dump = "".join(repr(list(connection.execute(select(t)))) for t in meta.sorted_tables)
    assert PASSWORD not in dump
