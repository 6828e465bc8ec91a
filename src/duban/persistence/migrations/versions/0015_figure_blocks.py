"""figure blocks: a columnar copy of the official and submitted figures per (period, indicator)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figure_block",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("official", sa.LargeBinary(), nullable=False),
        sa.Column("submitted", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_figure_block_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["period.id"], name=op.f("fk_figure_block_period_id_period"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("period_id", "indicator_id", name=op.f("pk_figure_block")),
    )
    _build(op.get_bind())  # an existing store's figures, read once from its entries


def downgrade() -> None:
    op.drop_table("figure_block")


# What follows is `persistence.blocks` as it was at this revision, frozen: a migration runs against the schema of
# its own revision, whatever the application's code has become since (a later change to the block format
# brings a migration of its own that builds them again).
_STAGES = ("not_started", "preparing", "underway", "completed")  # a stage's code is its index; a figure's -1
_CELL = np.dtype(
    [("unit", "<i4"), ("value", "<f8"), ("numerator", "<f8"), ("denominator", "<f8"), ("stage", "i1")]
)
_SLIM = np.dtype([("unit", "<i4"), ("value", "<f8"), ("stage", "i1")])
_HAS_OFFICIAL = (
    "e.official_stage IS NOT NULL OR e.official_value IS NOT NULL OR e.official_numerator IS NOT NULL"
)
_ENTRIES = (
    "SELECT e.period_id, e.indicator_id, e.unit_id, e.state, e.official_stage, e.official_value, "
    "e.official_numerator, e.official_denominator, e.stage, e.value, e.numerator, e.denominator "
    f"FROM entry e WHERE ({_HAS_OFFICIAL}) OR e.state = 'submitted' "
    "ORDER BY e.period_id, e.indicator_id, e.unit_id"
)
_BATCH = 500  # block rows per INSERT


def _build(connection: sa.Connection) -> None:
    """Every (period, indicator)'s official and submitted cells, read from the entries in one ordered scan."""
    table = sa.table(
        "figure_block", *(sa.column(c) for c in ("period_id", "indicator_id", "official", "submitted"))
    )
    rows: list[dict[str, Any]] = []
    for (period_id, indicator_id), entries in groupby(
        connection.execute(sa.text(_ENTRIES)), key=lambda e: e[:2]
    ):
        official, submitted = [], []
        for e in entries:
            if e[4] is not None or e[5] is not None or e[6] is not None:
                official.append(_cell(e[2], e[4], e[5:8]))
            if e[3] == "submitted":
                submitted.append(_cell(e[2], e[8], e[9:12]))
        rows.append({"period_id": period_id, "indicator_id": indicator_id, "official": _encode(official),
                     "submitted": _encode(submitted)})  # fmt: skip
        if len(rows) >= _BATCH:
            connection.execute(sa.insert(table), rows)
            rows = []
    if rows:
        connection.execute(sa.insert(table), rows)


def _cell(unit_id: int, stage: str | None, figures: tuple[Any, ...]) -> tuple[Any, ...]:
    value, numerator, denominator = (np.nan if f is None else float(f) for f in figures)
    return unit_id, value, numerator, denominator, _STAGES.index(stage) if stage in _STAGES else -1


def _encode(cells: list[tuple[Any, ...]]) -> bytes:
    """Cells sorted by unit as bytes: a layout byte (0 without ratios, 1 with), then the packed array."""
    packed = np.array(cells, dtype=_CELL)
    if np.isnan(packed["numerator"]).all() and np.isnan(packed["denominator"]).all():
        slim = np.empty(len(packed), dtype=_SLIM)
        for name in ("unit", "value", "stage"):
            slim[name] = packed[name]
        return b"\x00" + slim.tobytes()
    return b"\x01" + packed.tobytes()
