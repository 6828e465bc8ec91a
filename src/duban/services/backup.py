"""Backups of a live site as one archive: the database, every evidence and 督办 reply file, and the key.

The database is copied with SQLite's online backup or pg_dump; the files are read through the evidence
storage (the data folder or the object store), so a restore on a new machine serves every file again;
the data folder's secret key goes along, so templates and sessions signed before the backup stay valid.
The archive is a tar file created readable by its owner only (0600), written under a temporary name
and renamed when complete. PostgreSQL's tools get the password in PGPASSWORD, never on the command line.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from duban.persistence.db import make_engine, session_factory
from duban.persistence.generation import Generation, current, renew
from duban.persistence.reporting_models import EvidenceRow
from duban.persistence.supervision_models import SupervisionReplyRow
from duban.services.evidence import evidence_key
from duban.services.supervision import reply_evidence_key
from duban.settings import Settings
from duban.storage import MissingFile, evidence_storage

FORMAT = 1
MANIFEST = "manifest.json"
KEY_FILE = "secret.key"
FILES = "files/"
DATABASES = {"sqlite": "database/duban.sqlite", "postgresql": "database/duban.pgdump"}


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why, in Chinese."""


@dataclass(frozen=True)
class BackupSummary:
    """What an archive holds."""

    path: Path
    files: int
    missing: list[str] = field(default_factory=list)
    key: bool = False


def backup(*, settings: Settings, target: Path) -> BackupSummary:
    """Write one archive of the live site: database, evidence and reply files, and the data folder's key."""
    url = settings.sqlalchemy_url()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.part")
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "database"
        _dump(url, database)
        try:
            with _private_file(partial) as out, tarfile.open(fileobj=out, mode="w") as tar:
                tar.add(database, arcname=DATABASES[_kind(url)])
                copied, missing = _add_files(tar, settings, _stored_keys(url))
                key = _add_key(tar, settings)
                _add_bytes(
                    tar,
                    MANIFEST,
                    json.dumps(_manifest(url, copied, missing, key), ensure_ascii=False).encode(),
                )
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    return BackupSummary(target, copied, missing, key)


def restore(*, settings: Settings, source: Path) -> None:
    """Replace the site's database, files and key with the archive's (a bare database backup also works)."""
    if not source.exists():
        raise BackupError(f"备份文件不存在：{source}")
    url = settings.sqlalchemy_url()
    if not tarfile.is_tarfile(source):
        _restore_database(url, source)  # a backup from before archives held the files
        return
    with tarfile.open(source) as tar, tempfile.TemporaryDirectory() as scratch:
        _check_manifest(tar, url)
        database = Path(scratch) / "database"
        database.write_bytes(_member(tar, DATABASES[_kind(url)]))
        _restore_database(url, database)
        _restore_files(tar, settings)
        _restore_key(tar, settings)


def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def _dump(url: str, target: Path) -> None:
    if url.startswith("sqlite"):
        _sqlite_copy(source=_sqlite_path(url), target=target)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)], url)


def _restore_database(url: str, source: Path) -> None:
    replaced = _generation(url)
    if url.startswith("sqlite"):
        _check_sqlite_backup(source)
        _sqlite_copy(source=source, target=_sqlite_path(url))
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(url)}", str(source)], url)  # fmt: skip
    _renew_generation(url, replaced)


def _generation(url: str) -> Generation:
    """The counters of the store about to be replaced (-1 where it has none)."""
    if url.startswith("sqlite") and not _sqlite_path(url).exists():
        return Generation(-1, -1)
    try:
        with _store(url) as session:
            known = inspect(session.connection()).has_table("generation")
            return current(session=session) if known else Generation(-1, -1)
    except OperationalError:  # no store there yet: the restore makes the first
        return Generation(-1, -1)


def _renew_generation(url: str, replaced: Generation) -> None:
    """Counters for the restored store beyond the replaced one's: a running server must not take it for the
    timeline it remembers. A store from before the record gets its counters on upgrade."""
    with _store(url) as session, session.begin():
        if inspect(session.connection()).has_table("generation_touch"):
            renew(session=session, above=replaced)


@contextmanager
def _store(url: str) -> Iterator[Session]:
    """A session on the store at `url`, its engine disposed of afterwards (the CLI's one-off use)."""
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _stored_keys(url: str) -> list[str]:
    """The storage keys of every evidence file and 督办 reply file the database refers to."""
    with _store(url) as session:
        evidence = session.scalars(select(EvidenceRow.sha256).distinct())
        replies = session.scalars(select(SupervisionReplyRow.evidence_sha256).where(
            SupervisionReplyRow.evidence_sha256.is_not(None)).distinct())  # fmt: skip
        return sorted({evidence_key(s) for s in evidence} | {reply_evidence_key(s) for s in replies if s})


def _add_files(tar: tarfile.TarFile, settings: Settings, keys: list[str]) -> tuple[int, list[str]]:
    storage, missing = evidence_storage(settings), []
    for key in keys:
        try:
            _add_bytes(tar, FILES + key, storage.get(key))
        except MissingFile:
            missing.append(key)
    return len(keys) - len(missing), missing


def _add_key(tar: tarfile.TarFile, settings: Settings) -> bool:
    """The data folder's generated key; a key set in DUBAN_SECRET_KEY is the operator's to keep."""
    path = Path(settings.data_dir) / KEY_FILE
    if settings.secret_key or not path.exists():
        return False
    _add_bytes(tar, KEY_FILE, path.read_bytes())
    return True


def _manifest(url: str, files: int, missing: list[str], key: bool) -> dict[str, object]:
    return {"format": FORMAT, "database": _kind(url), "files": files, "missing": missing, "key": key,
            "created": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(content), 0o600, int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(content))


def _check_manifest(tar: tarfile.TarFile, url: str) -> None:
    try:
        manifest = json.loads(_member(tar, MANIFEST))
    except ValueError as exc:
        raise BackupError(f"备份文件的清单已损坏：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份文件格式 {manifest.get('format')} 不是本版本能恢复的格式 {FORMAT}")
    if manifest.get("database") != _kind(url):
        raise BackupError(f"这是 {manifest.get('database')} 数据库的备份，不能恢复到 {_kind(url)} 数据库")


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    try:
        member = tar.getmember(name)
        extracted = tar.extractfile(member) if member.isfile() else None
    except KeyError:
        extracted = None
    if extracted is None:
        raise BackupError(f"不是有效的 duban 备份文件：缺少 {name}")
    return extracted.read()


def _restore_files(tar: tarfile.TarFile, settings: Settings) -> None:
    storage = evidence_storage(settings)
    for member in tar.getmembers():
        if member.isfile() and member.name.startswith(FILES):
            storage.put(
                member.name.removeprefix(FILES), _member(tar, member.name), "application/octet-stream"
            )


def _restore_key(tar: tarfile.TarFile, settings: Settings) -> None:
    if KEY_FILE not in tar.getnames():
        return
    path = Path(settings.data_dir) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{KEY_FILE}.part")
    with _private_file(partial) as out:
        out.write(_member(tar, KEY_FILE))
    partial.replace(path)


@contextmanager
def _private_file(path: Path) -> Iterator[IO[bytes]]:
    """A new file only its owner can read (0600 from the start, not chmod-ed after)."""
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        yield out


def _sqlite_copy(*, source: Path, target: Path) -> None:
    """Copy page by page with SQLite's backup API, consistent even while others write."""
    if not target.exists():
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _check_sqlite_backup(source: Path) -> None:
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as db:
            ok = db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            has_schema = db.execute(
                "select count(*) from sqlite_master where name='alembic_version'"
            ).fetchone()[0]
        db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"不是有效的 duban 备份文件：{exc}") from exc
    if not ok or not has_schema:
        raise BackupError("不是有效的 duban 备份文件（完整性检查未通过或缺少版本信息）")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份")
    return Path(database)


def _libpq_url(url: str) -> str:
    """The connection URL for pg_dump/pg_restore, without the password (that goes in PGPASSWORD)."""
    given = make_url(url)  # built anew: URL.set(password=None) leaves the password as it was
    bare = URL.create("postgresql", username=given.username, host=given.host, port=given.port,
                      database=given.database, query=given.query)  # fmt: skip
    return bare.render_as_string(hide_password=False)


def _run(command: list[str], url: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"找不到 {command[0]}，请安装 PostgreSQL 客户端（Debian: postgresql-client）")
    password = make_url(url).password
    env = os.environ | ({"PGPASSWORD": str(password)} if password else {})
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()[-500:]}")
