"""year close (年终考核): a plan's year may be closed, when and by whom

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_plan_closed_by_app_user"), "app_user", ["closed_by"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.drop_constraint(op.f("fk_plan_closed_by_app_user"), type_="foreignkey")
        batch.drop_column("closed_by")
        batch.drop_column("closed_at")
