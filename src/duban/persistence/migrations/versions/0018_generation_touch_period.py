"""generation touches name the period of the entries they touched, so a judged month that a write to a later
month cannot change is kept without judging its touched indicators again (NULL: not known, as before)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("generation_touch") as batch:
        batch.add_column(sa.Column("period_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("generation_touch") as batch:
        batch.drop_column("period_id")
