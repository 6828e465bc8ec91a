"""Loading millions of approved figures and unit targets at once (benchmarks, migrations from old systems).

Rows go straight into the `entry` and `unit_target` tables inside the session's transaction, with
no audit trail and no validation: executemany in chunks on SQLite, COPY (CSV written by Arrow) on
PostgreSQL. Missing figures are NaN in the arrays and NULL in the store.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Table
from sqlalchemy.orm import Session

from duban.choices import BreakdownStatus, EntryState
from duban.persistence import target_blocks
from duban.persistence.blocks import rewritten
from duban.persistence.generation import touch
from duban.persistence.models import EntryRow, UnitTargetRow, utcnow

CHUNK = 200_000
SQLITE_CACHE_KIB = 1_048_576  # 1 GiB at most, only as much as the load touches
Column = np.ndarray | str | int | datetime


def load_unit_targets(
    *,
    session: Session,
    indicator_id: np.ndarray,
    unit_id: np.ndarray,
    value: np.ndarray,
    status: BreakdownStatus = BreakdownStatus.CONFIRMED,
) -> int:
    """Insert one unit target per row; return how many were written."""
    columns: dict[str, Column] = {
        "indicator_id": indicator_id, "unit_id": unit_id, "value": value, "status": status.value,
    }  # fmt: skip
    return bulk_insert(session=session, table=UnitTargetRow.__table__, columns=columns)  # type: ignore[arg-type]


def load_entries(
    *,
    session: Session,
    indicator_id: np.ndarray,
    unit_id: np.ndarray,
    period_id: np.ndarray,
    value: np.ndarray,
    numerator: np.ndarray,
    denominator: np.ndarray,
) -> int:
    """Insert approved figures (reported and official alike) one per row; return how many were written."""
    now = utcnow()
    columns: dict[str, Column] = {
        "indicator_id": indicator_id, "unit_id": unit_id, "period_id": period_id,
        "value": value, "numerator": numerator, "denominator": denominator,
        "official_value": value, "official_numerator": numerator, "official_denominator": denominator,
        "state": EntryState.APPROVED.value, "version": 1, "updated_at": now, "approved_at": now,
    }  # fmt: skip
    return bulk_insert(session=session, table=EntryRow.__table__, columns=columns)  # type: ignore[arg-type]


def bulk_insert(*, session: Session, table: Table, columns: Mapping[str, Column]) -> int:
    """Insert rows given column-wise (arrays, or one value for every row) into `table`."""
    size = next(len(c) for c in columns.values() if isinstance(c, np.ndarray))
    touch(session=session)
    if table.name == "entry":  # written around the ORM: the blocks of these periods are rebuilt at commit
        periods = columns["period_id"]
        rewritten(
            session=session,
            period_ids=np.unique(periods) if isinstance(periods, np.ndarray) else [int(periods)],  # type: ignore[arg-type]
        )
    if table.name == "unit_target":
        indicators = columns["indicator_id"]
        target_blocks.rewritten(
            session=session,
            indicator_ids=np.unique(indicators) if isinstance(indicators, np.ndarray) else [int(indicators)],  # type: ignore[arg-type]
        )
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    write = _copy if postgres else _executemany
    fixed = {name: _stamp(c, postgres) for name, c in columns.items()}
    dbapi = connection.connection.driver_connection
    with nullcontext() if postgres else _big_cache(dbapi):
        for start in range(0, size, CHUNK):
            chunk = {name: _slice(c, start, min(size, start + CHUNK)) for name, c in fixed.items()}
            write(dbapi, table.name, chunk)
    return size


@contextmanager
def _big_cache(dbapi: Any) -> Iterator[None]:
    """A large SQLite page cache while loading: with the default 2 MB, pages of the indexes are spilled
    to the WAL again and again inside one transaction, and the load slows to a crawl."""
    before = dbapi.execute("PRAGMA cache_size").fetchone()[0]
    dbapi.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        dbapi.execute(f"PRAGMA cache_size = {int(before)}")


def _stamp(column: Column, postgres: bool) -> Column:
    """Timestamps as text in the form each store keeps them (SQLAlchemy's on SQLite)."""
    if not isinstance(column, datetime):
        return column
    return column.isoformat() if postgres else column.strftime("%Y-%m-%d %H:%M:%S.%f")


def _slice(column: Column, start: int, stop: int) -> Any:
    if isinstance(column, np.ndarray):
        return column[start:stop]
    return np.full(stop - start, column, dtype=object)


def _executemany(dbapi: Any, table: str, chunk: dict[str, np.ndarray]) -> None:
    names = list(chunk)
    marks = ", ".join("?" for _ in names)
    rows = zip(*(_plain(chunk[name]) for name in names), strict=True)
    dbapi.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)


def _plain(column: np.ndarray) -> list[Any]:
    """Python values for the driver: NaN becomes None, numpy scalars become ints and floats."""
    if column.dtype.kind == "f":
        values = column.astype(object)
        values[np.isnan(column)] = None
        column = values
    result: list[Any] = column.tolist()
    return result


def _copy(dbapi: Any, table: str, chunk: dict[str, np.ndarray]) -> None:
    names = list(chunk)
    arrow = pa.table({name: _arrow(chunk[name]) for name in names})
    text = io.BytesIO()
    pacsv.write_csv(arrow, text, pacsv.WriteOptions(include_header=False))
    with (
        dbapi.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT csv)") as copy,
    ):
        copy.write(text.getbuffer())


def _arrow(column: np.ndarray) -> pa.Array:
    if column.dtype.kind == "f":
        return pa.array(column, from_pandas=True)  # NaN -> null, written as an empty (NULL) field
    return pa.array(column.tolist() if column.dtype == object else column)
