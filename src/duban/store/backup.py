"""Backups of a live store: SQLite's online backup, or pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why, in Chinese."""


def backup(*, url: str, target: Path) -> Path:
    """Write a consistent copy of the live store at `url` to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        _sqlite_copy(source=_sqlite_path(url), target=target)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)])
    return target


def restore(*, url: str, source: Path) -> None:
    """Replace the store at `url` with the backup in `source`."""
    if not source.exists():
        raise BackupError(f"备份文件不存在:{source}")
    if url.startswith("sqlite"):
        _check_sqlite_backup(source)
        _sqlite_copy(source=source, target=_sqlite_path(url))
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq_url(url)}", str(source)])  # fmt: skip


def _sqlite_copy(*, source: Path, target: Path) -> None:
    """Copy page by page with SQLite's backup API, consistent even while others write."""
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
        raise BackupError(f"不是有效的 duban 备份文件:{exc}") from exc
    if not ok or not has_schema:
        raise BackupError("不是有效的 duban 备份文件(完整性检查未通过或缺少版本信息)")


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份")
    return Path(database)


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"找不到 {command[0]},请安装 PostgreSQL 客户端(Debian: postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败:{done.stderr.strip()[-500:]}")
