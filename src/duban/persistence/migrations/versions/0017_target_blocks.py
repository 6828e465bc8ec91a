"""target blocks: a columnar copy of the unit targets per indicator

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target_block",
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("cells", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
            name=op.f("fk_target_block_indicator_id_indicator"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("indicator_id", name=op.f("pk_target_block")),
    )
    _build(op.get_bind())  # an existing store's unit targets, read once


def downgrade() -> None:
    op.drop_table("target_block")


# `persistence.target_blocks` as it was at this revision, frozen (see 0015): a block is the indicator's unit
# targets sorted by unit, packed as (unit int4, value float8), NULL as NaN.
_CELL = np.dtype([("unit", "<i4"), ("value", "<f8")])
_TARGETS = "SELECT t.indicator_id, t.unit_id, t.value FROM unit_target t ORDER BY t.indicator_id, t.unit_id"


def _build(connection: sa.Connection) -> None:
    """Every indicator's block, read from the unit targets in one ordered scan and written in one INSERT."""
    table = sa.table("target_block", sa.column("indicator_id"), sa.column("cells"))
    rows = [
        {
            "indicator_id": indicator_id,
            "cells": np.array([(t[1], _value(t[2])) for t in targets], _CELL).tobytes(),
        }
        for indicator_id, targets in groupby(connection.execute(sa.text(_TARGETS)), key=lambda t: t[0])
    ]
    if rows:
        connection.execute(sa.insert(table), rows)


def _value(value: Any) -> float:
    return np.nan if value is None else float(value)  # NULL as NaN
