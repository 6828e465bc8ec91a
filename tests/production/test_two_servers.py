"""Two `duban serve` processes on one PostgreSQL, sharing a secret key and a moto object store.

Shows that nothing that matters lives in one process: a login made on one server is valid on the
other, the reminder job run by two processes at once sends each reminder once, and an evidence file
uploaded through one server is downloaded through the other from the object store.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.persistence.db import transaction
from duban.persistence.models import IndicatorRow, OrgUnitRow, PeriodRow
from duban.persistence.reporting_models import EvidenceRow
from duban.persistence.supervision_models import (
    SupervisionItemRow,
    SupervisionReminderRow,
    SupervisionReplyRow,
)
from duban.services.entries import record_value
from duban.services.supervision import apply_rules
from duban.services.users import add_user
from production.servers import MailSink, ObjectStore, duban_env, duban_server, moto_server, smtp_sink
from supervision.scenario import PASSWORD, ROADS, report_june, setup_plan

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        os.environ.get("DUBAN_TEST_DB", "sqlite") != "postgres",
        reason="two app servers share one database only on PostgreSQL: run with DUBAN_TEST_DB=postgres",
    ),
]
SECRET = "one key for every server"
TODAY = "2026-07-01"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% reply evidence\n"


@dataclass(frozen=True)
class Cluster:
    """Two app servers, the object store and SMTP sink they share, and the environment they run with."""

    first: str
    second: str
    store: ObjectStore
    mail: MailSink
    env: dict[str, str]
    folder: Path


@pytest.fixture
def prepared(factory: sessionmaker[Session]) -> None:
    """镇雄县 and 昭阳区 both far behind in June, so two 督办 items wait on two units with e-mail."""
    with transaction(factory) as session:
        row = setup_plan(session)
        add_user(session=session, username="zy-mail", password=PASSWORD, role=Role.REPORTER, unit="昭阳区",
                 email="zy@example.cn")  # fmt: skip
        report_june(session, {"镇雄县": Decimal(100), "昭阳区": Decimal(50)})
        run = apply_rules(session=session, plan_row=row, month=6, today=date.fromisoformat(TODAY))
        assert len(run.opened) == 2


@pytest.fixture
def cluster(db_url: str, prepared: None, tmp_path: Path) -> Iterator[Cluster]:
    with moto_server(tmp_path) as store, smtp_sink() as mail:
        env = duban_env(DUBAN_DATABASE_URL=db_url, DUBAN_SECRET_KEY=SECRET, DUBAN_TODAY=TODAY,
                        DUBAN_SMTP_HOST="127.0.0.1", DUBAN_SMTP_PORT=str(mail.port), **store.env())  # fmt: skip
        folders = [tmp_path / name for name in ("first", "second")]
        for folder in folders:
            folder.mkdir()
        with duban_server(folders[0], env | {"DUBAN_DATA_DIR": str(folders[0])}) as first, \
                duban_server(folders[1], env | {"DUBAN_DATA_DIR": str(folders[1])}) as second:  # fmt: skip
            yield Cluster(first, second, store, mail, env, tmp_path)


@contextmanager
def log_in(base: str, username: str) -> Iterator[httpx.Client]:
    """A client logged in on the server at `base`."""
    with httpx.Client(base_url=base, timeout=30) as client:
        token = csrf(client, "/login")
        response = client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 303, response.text
        yield client


def csrf(client: httpx.Client, path: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', client.get(path, follow_redirects=True).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def on_other_server(client: httpx.Client, base: str) -> httpx.Client:
    """A new client for `base` carrying only the session cookie `client` got elsewhere."""
    return httpx.Client(base_url=base, cookies={"duban_session": client.cookies["duban_session"]}, timeout=30)


def test_a_login_on_one_server_is_valid_on_the_other(cluster: Cluster) -> None:
    with log_in(cluster.first, "admin") as first, on_other_server(first, cluster.second) as second:
        page = second.get("/supervision")
        assert page.status_code == 200 and "/login" not in str(page.url)
        assert second.post("/logout", data={"csrf_token": csrf(second, "/supervision")}).status_code in (
            200,
            303,
        )
    with httpx.Client(base_url=cluster.second, timeout=30) as stranger:
        assert stranger.get("/supervision").status_code == 303  # no cookie: sent to the login form


def test_the_reminder_job_run_twice_at_once_sends_each_reminder_once(cluster: Cluster, factory) -> None:
    for day in ("2026-07-01", "2026-07-02"):
        outputs = remind_at_once(cluster.env | {"DUBAN_TODAY": day}, cluster.folder, runs=2)
        reminded = sum(int(re.search(r"今日提醒 (\d+) 件", out).group(1)) for out in outputs)  # type: ignore[union-attr]
        assert reminded == 2, outputs
    recipients = sorted(message["To"] for message in cluster.mail.messages)
    assert recipients == ["zx@example.cn", "zx@example.cn", "zy@example.cn", "zy@example.cn"]
    with factory() as session:
        assert session.query(SupervisionReminderRow).count() == 4
        assert all(r.emailed_at is not None for r in session.scalars(select(SupervisionReminderRow)))


def test_the_rules_run_twice_at_once_open_each_item_once(db_url: str, factory, tmp_path: Path) -> None:
    with transaction(factory) as session:
        setup_plan(session)
        report_june(session, {"镇雄县": Decimal(100), "昭阳区": Decimal(50)})
    env = duban_env(DUBAN_DATABASE_URL=db_url, DUBAN_TODAY=TODAY)
    outputs = at_once(["supervise", "run", "--period", "2026-06"], env, tmp_path, runs=3)
    opened = sum(int(re.search(r"新立督办单 (\d+) 件", out).group(1)) for out in outputs)  # type: ignore[union-attr]
    with factory() as session:
        keys = list(session.scalars(select(SupervisionItemRow.key)))
    assert (opened, len(keys), len(set(keys))) == (2, 2, 2), outputs


def remind_at_once(env: dict[str, str], folder: Path, runs: int) -> list[str]:
    """`duban supervise remind` in `runs` processes started together; their outputs."""
    return at_once(["supervise", "remind"], env, folder, runs)


def at_once(command: list[str], env: dict[str, str], folder: Path, runs: int) -> list[str]:
    """`duban <command>` in `runs` processes started together; their outputs."""
    args = [sys.executable, "-m", "duban.cli", *command]
    children = [subprocess.Popen(args, env=env, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                for _ in range(runs)]  # fmt: skip
    outputs = [child.communicate(timeout=120)[0].decode() for child in children]
    assert [child.returncode for child in children] == [0] * runs, outputs
    return outputs


def test_evidence_uploaded_through_one_server_is_downloaded_through_the_other(
    cluster: Cluster, factory
) -> None:
    entry_id = _july_draft(factory, "镇雄县")
    with log_in(cluster.first, "zhenxiong") as first:
        headers = {"X-CSRF-Token": csrf(first, "/entry")}
        added = first.post(f"/api/entries/{entry_id}/evidence", files={"file": ("现场.png", PNG, "image/png")},
                           headers=headers)  # fmt: skip
        assert added.status_code == 200, added.text
        with on_other_server(first, cluster.second) as second:
            download = second.get(f"/api/evidence/{added.json()['id']}/file")
    assert (download.status_code, download.content, download.headers["content-type"]) == (
        200,
        PNG,
        "image/png",
    )
    with factory() as session:
        sha256 = session.get(EvidenceRow, added.json()["id"]).sha256  # type: ignore[union-attr]
    assert _object(cluster.store, f"evidence/{sha256[:2]}/{sha256}") == PNG
    assert not list(cluster.folder.glob("*/evidence"))  # nothing kept on either server's disk


def test_a_supervision_reply_with_evidence_crosses_servers(cluster: Cluster, factory) -> None:
    item_id = _item_of(factory, "镇雄县")
    with log_in(cluster.first, "zhenxiong") as first:
        token = csrf(first, f"/supervision/items/{item_id}")
        assert first.post(f"/supervision/items/{item_id}/sign", data={"csrf_token": token}).status_code == 303
        answered = first.post(f"/supervision/items/{item_id}/answer", data={"csrf_token": token, "text": "已督促施工"},
                              files={"evidence": ("整改报告.pdf", PDF, "application/pdf")})  # fmt: skip
        assert answered.status_code == 303, answered.text
        reply_id = _reply_of(factory, item_id)
        with on_other_server(first, cluster.second) as second:
            download = second.get(f"/supervision/items/{item_id}/evidence/{reply_id}")
    assert (download.status_code, download.content) == (200, PDF)
    assert download.headers["content-type"] == "application/pdf"
    assert not list(cluster.folder.glob("*/evidence"))


def _object(store: ObjectStore, key: str) -> bytes:
    body: bytes = store.client().get_object(Bucket=store.bucket, Key=key)["Body"].read()
    return body


def _july_draft(factory: sessionmaker[Session], unit: str) -> int:
    """A draft figure, the kind evidence is still added to (an approved one is closed to it)."""
    with transaction(factory) as session:
        indicator = session.scalar(select(IndicatorRow).where(IndicatorRow.code == ROADS.id))
        unit_id = session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == unit))
        period_id = session.scalar(select(PeriodRow.id).where(PeriodRow.month == 7))
        assert indicator is not None and unit_id is not None and period_id is not None
        entry = record_value(session=session, indicator_id=indicator.id, unit_id=unit_id, period_id=period_id,
                             user_id=None, value=Decimal(120))  # fmt: skip
        return entry.id


def _item_of(factory: sessionmaker[Session], unit: str) -> int:
    with factory() as session:
        query = select(SupervisionItemRow.id).join(OrgUnitRow, SupervisionItemRow.unit_id == OrgUnitRow.id)
        found = session.scalar(query.where(OrgUnitRow.name == unit))
    assert found is not None
    return found


def _reply_of(factory: sessionmaker[Session], item_id: int) -> int:
    with factory() as session:
        found = session.scalar(select(SupervisionReplyRow.id).where(SupervisionReplyRow.item_id == item_id))
    assert found is not None
    return found
