"""indicator display unit: the unit figures are shown and entered in (亿元 for a target stored in 元)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL: the plan gave none, and the indicator's unit and target size choose one (duban.plan.units)
    with op.batch_alter_table("indicator") as batch:
        batch.add_column(sa.Column("display_unit", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.drop_column("display_unit")
