"""A full disk: writes answer in Chinese (507) and leave no half-written file; /readyz says not ready
when free space runs low; one unit's evidence cannot grow past its quota."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc

import duban.storage
from duban.persistence.db import make_engine
from duban.settings import Settings
from duban.web.app import create_app
from duban.web.errors import DISK_FULL
from security.conftest import World
from web.conftest import log_in

JPEG = b"\xff\xd8\xff\xe0" + b"new photo" * 10


class FullDisk:
    """A file that takes a few bytes and then fails as a full disk does."""

    def __init__(self, real) -> None:
        self.real = real

    def __enter__(self):
        return self

    def __exit__(self, *_) -> None:
        self.real.close()

    def write(self, content: bytes) -> int:
        self.real.write(content[:10])
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def full_disk(monkeypatch):
    real_fdopen = duban.storage.os.fdopen
    monkeypatch.setattr(duban.storage.os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))


def _upload_evidence(app, world: World) -> tuple[int, str]:
    with TestClient(app, raise_server_exceptions=False) as client:
        token = log_in(client, "zhenxiong")
        response = client.post(f"/api/entries/{world.entry}/evidence", files={"file": ("新照片.jpg", JPEG)},
                               headers={"X-CSRF-Token": token})  # fmt: skip
        listed = client.get(f"/api/entries/{world.entry}/evidence").json()
    return response.status_code, response.text + f" files={len(listed)}"


def test_evidence_on_a_full_disk_is_a_chinese_507_and_leaves_no_part_file(
    app, world: World, settings, full_disk
):
    status, text = _upload_evidence(app, world)
    assert status == 507 and DISK_FULL in text and text.endswith("files=1")
    assert list(Path(settings.data_dir).rglob("*.part")) == []


def test_a_database_on_a_full_disk_is_a_chinese_507_page(app, world: World):
    def login_write() -> None:
        raise sa_exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    app.add_api_route("/write", login_write)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/write")
    assert response.status_code == 507 and DISK_FULL in response.text


def test_readyz_reports_a_disk_below_the_free_space_threshold(settings: Settings, world: World):
    roomy = create_app(settings)
    cramped = create_app(settings.model_copy(update={"min_free_disk_bytes": 1 << 60}))
    with TestClient(roomy) as ok, TestClient(cramped) as low:
        assert ok.get("/readyz").json() == {"ready": True, "reason": "", "warmed": None}
        answer = low.get("/readyz")
    assert answer.status_code == 503 and answer.json()["reason"].startswith("磁盘剩余空间不足")


def test_a_units_evidence_cannot_grow_past_its_quota(settings: Settings, world: World):
    app = create_app(settings.model_copy(update={"evidence_quota_per_unit": 100}))
    status, text = _upload_evidence(app, world)
    assert status == 409 and "加上此文件将超过每单位" in text and text.endswith("files=1")


def test_stored_files_and_a_new_sqlite_store_are_readable_by_their_owner_only(settings: Settings, world: World,
                                                                            tmp_path: Path):  # fmt: skip
    make_engine(f"sqlite:///{tmp_path / 'new' / 'duban.db'}").dispose()
    files = [*Path(settings.data_dir).rglob("*"), tmp_path / "new" / "duban.db"]
    assert {oct(p.stat().st_mode & 0o777) for p in files if p.is_file()} == {"0o600"}
