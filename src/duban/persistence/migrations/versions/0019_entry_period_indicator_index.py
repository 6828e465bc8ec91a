"""entry gets one index on (period_id, indicator_id) in place of the one on period_id alone: a month's figures
of one indicator (the entry states an approval patches, a block rebuilt) are found without walking the month

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_entry_period_indicator", "entry", ["period_id", "indicator_id"])
    op.drop_index("ix_entry_period_id", table_name="entry")


def downgrade() -> None:
    op.create_index("ix_entry_period_id", "entry", ["period_id"])
    op.drop_index("ix_entry_period_indicator", table_name="entry")
