"""office settings: the 当前报送期 the office has set and the basis of the figures (含待审核数据)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_setting",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("current_month", sa.Integer(), nullable=True),
        sa.Column("include_submitted", sa.Boolean(), nullable=False),
        sa.Column("carry_forward", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_office_setting_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_office_setting_updated_by_app_user")
        ),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_office_setting")),
    )


def downgrade() -> None:
    op.drop_table("office_setting")
