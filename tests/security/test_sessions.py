"""Login throttling without lockout, one message for every refusal, sessions that end on logout, reset and
disable; /metrics and the API description for the office; contacts for the office; a shared key on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from duban.persistence.models import LoginFailureRow, UserRow
from duban.services.users import set_active, set_password
from duban.settings import Settings
from duban.web.app import create_app
from duban.web.auth import SharedKeyMissing
from web.conftest import PASSWORD, log_in, page_csrf

NEW_PASSWORD = "another long password"


@pytest.fixture
def app(settings: Settings, seeded: None) -> FastAPI:
    return create_app(settings.model_copy(update={"login_max_failures": 3, "login_lockout_seconds": 60}))


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def _login(client: TestClient, username: str, password: str) -> tuple[int, str]:
    data = {"username": username, "password": password, "csrf_token": page_csrf(client)}
    response = client.post("/login", data=data, follow_redirects=False)
    return response.status_code, response.text


def _age_failures(factory: sessionmaker[Session], seconds: int) -> None:
    """Move every refused login `seconds` into the past, as if the attacker had waited."""
    with factory() as session, session.begin():
        session.execute(update(LoginFailureRow).values(at=datetime.now(UTC) - timedelta(seconds=seconds)))


def _error_of(page: str) -> str:
    return page.split('role="alert"', 1)[1].split("<", 1)[0] if 'role="alert"' in page else page


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(app):
    attacker = _from(app, "203.0.113.7")
    unknown, wrong = (
        _login(attacker, "nobody-here", "guess number one"),
        _login(attacker, "admin", "guess one"),
    )
    assert unknown[0] == wrong[0] == 401
    assert _error_of(unknown[1]) == _error_of(wrong[1])
    assert "用户名或密码错误" in unknown[1]


def test_throttling_answers_unknown_names_like_known_ones(app):
    for name in ("admin", "nobody-here"):
        attacker = _from(app, f"203.0.113.{len(name)}")
        answers = [_login(attacker, name, "guess guess")[0] for _ in range(4)]
        assert answers == [401, 401, 401, 429], name


def test_an_attacker_cannot_lock_the_admin_out(app):
    attacker = _from(app, "203.0.113.7")
    assert [_login(attacker, "admin", f"guess {n} guess")[0] for n in range(3)] == [401] * 3
    assert _login(attacker, "admin", PASSWORD)[0] == 429  # the failing address waits, right password or not
    assert _login(_from(app, "198.51.100.20"), "admin", PASSWORD)[0] == 303  # the office from its own desk


def test_guesses_at_one_name_from_many_addresses_slow_down_every_address_that_guessed(app):
    guessers = [_from(app, f"203.0.113.{n}") for n in range(3)]
    assert [_login(guesser, "leader", "guess guess")[0] for guesser in guessers] == [401] * 3
    assert [_login(guesser, "leader", "guess again")[0] for guesser in guessers] == [
        429
    ] * 3  # the name's wait
    fresh = _from(app, "203.0.113.99")  # an address of its own gets one guess, then waits with the others
    assert [_login(fresh, "leader", "guess guess")[0] for _ in range(2)] == [401, 429]
    assert _login(_from(app, "198.51.100.20"), "leader", PASSWORD)[0] == 303  # the leader from their own desk


def test_the_wait_doubles_and_then_ends(app, factory):
    attacker = _from(app, "203.0.113.7")
    for n in range(3):
        _login(attacker, "leader", f"guess {n} guess")
    first = attacker.post("/login", data={"username": "leader", "password": "x" * 12,
                                          "csrf_token": page_csrf(attacker)})  # fmt: skip
    assert first.status_code == 429 and first.headers["retry-after"] == "1"
    _age_failures(factory, 2)  # 1 s after the third failure: over
    assert _login(attacker, "leader", "guess 4 guess")[0] == 401
    response = attacker.post("/login", data={"username": "leader", "password": "x" * 12,
                                             "csrf_token": page_csrf(attacker)})  # fmt: skip
    assert response.status_code == 429 and response.headers["retry-after"] == "2"
    _age_failures(factory, 61)  # never longer than DUBAN_LOGIN_LOCKOUT_SECONDS
    assert _login(attacker, "leader", PASSWORD)[0] == 303


def test_a_spray_over_many_names_throttles_the_address(app):
    attacker = _from(app, "203.0.113.7")
    answers = [
        _login(attacker, name, "Spring2026!!")[0] for name in ("admin", "leader", "zhenxiong", "zhaoyang")
    ]
    assert answers == [401, 401, 401, 429]


def _copied(client: TestClient, app: FastAPI) -> TestClient:
    """A second browser holding a copy of `client`'s session cookie."""
    thief = TestClient(app)
    thief.cookies.set("duban_session", client.cookies["duban_session"])
    return thief


def test_logout_ends_the_session_a_copied_cookie_included(app):
    with TestClient(app) as client:
        token = log_in(client, "zhenxiong")
        thief = _copied(client, app)
        assert thief.get("/api/units").status_code == 200
        client.post("/logout", data={"csrf_token": token})
        assert thief.get("/api/units").status_code == 401


def test_logout_ends_no_one_elses_session(app):
    with TestClient(app) as client, TestClient(app) as other:
        token = log_in(client, "zhenxiong")
        log_in(other, "zhaoyang")
        client.post("/logout", data={"csrf_token": token})
        assert other.get("/api/units").status_code == 200


def test_a_password_reset_ends_every_session(app, factory):
    with TestClient(app) as client:
        log_in(client, "zhenxiong")
        thief = _copied(client, app)
        with factory() as session, session.begin():
            set_password(session=session, username="zhenxiong", password=NEW_PASSWORD)
        assert client.get("/api/units").status_code == 401
        assert thief.get("/api/units").status_code == 401


def test_disable_then_reset_does_not_bring_an_old_cookie_back(app, factory):
    with TestClient(app) as client:
        log_in(client, "zhenxiong")
        thief = _copied(client, app)
        with factory() as session, session.begin():
            set_active(session=session, username="zhenxiong", active=False)
        with factory() as session, session.begin():
            set_password(session=session, username="zhenxiong", password=NEW_PASSWORD)
            set_active(session=session, username="zhenxiong", active=True)
        assert thief.get("/api/units").status_code == 401
        assert log_in(client, "zhenxiong", NEW_PASSWORD)
        assert client.get("/api/units").status_code == 200


@pytest.mark.parametrize("path", ["/metrics", "/api/openapi.json", "/api/docs"])
def test_metrics_and_the_api_description_are_for_the_office_and_the_internal_network(app, path):
    with TestClient(app, client=("203.0.113.7", 50000)) as outside:
        assert outside.get(path).status_code == 403
        log_in(outside, "zhenxiong")
        assert outside.get(path).status_code == 403
        log_in(outside, "admin")
        assert outside.get(path).status_code == 200
    with TestClient(app, client=("127.0.0.1", 50000)) as scraper:  # DUBAN_INTERNAL_NETWORKS
        assert scraper.get(path).status_code == 200


def test_reporting_status_shows_contacts_to_the_office_only(app, factory):
    with factory() as session, session.begin():
        set_email(session)
    with TestClient(app) as client:
        log_in(client, "zhaoyang")
        seen_by_reporter = client.get("/api/periods/2026-06/status").json()
        log_in(client, "admin")
        seen_by_office = client.get("/api/periods/2026-06/status").json()
    assert seen_by_reporter and all(row["contacts"] == [] for row in seen_by_reporter)
    assert any("zx@zt.gov.cn" in contact for row in seen_by_office for contact in row["contacts"])


def set_email(session: Session) -> None:
    user = session.scalars(select(UserRow).where(UserRow.username == "zhenxiong")).one()
    user.email = "zx@zt.gov.cn"


def test_a_postgresql_store_without_a_shared_key_is_refused(tmp_path):
    settings = Settings(database_url="postgresql+psycopg://duban@db.example/duban", data_dir=tmp_path)
    with pytest.raises(SharedKeyMissing, match="DUBAN_SECRET_KEY"):
        create_app(settings)
