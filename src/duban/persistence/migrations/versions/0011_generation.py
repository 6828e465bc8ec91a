"""generation counters: every write that can change a judged figure, or a figure's reporting state,
moves one in its own transaction, so every server knows whether its cached judged period is current

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "generation",
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_generation")),
    )
    # a random start: two stores (or a store rebuilt under the same name) never share a generation
    op.bulk_insert(table, [{"name": name, "value": secrets.randbits(40)} for name in ("figures", "states")])


def downgrade() -> None:
    op.drop_table("generation")
