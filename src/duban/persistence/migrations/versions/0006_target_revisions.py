"""target revisions: a target or a unit's share changed from a month on, approved by the office

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric(24, 6, asdecimal=True)


def upgrade() -> None:
    op.create_table(
        "target_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("old_value", AMOUNT, nullable=False),
        sa.Column("new_value", AMOUNT, nullable=False),
        sa.Column("effective_month", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_target_revision_plan_id_plan"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"],
                                name=op.f("fk_target_revision_indicator_id_indicator"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["org_unit.id"], name=op.f("fk_target_revision_unit_id_org_unit")),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_target_revision_created_by_app_user")),
        sa.ForeignKeyConstraint(["approved_by"], ["app_user.id"],
                                name=op.f("fk_target_revision_approved_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_revision")),
    )  # fmt: skip
    op.create_index(op.f("ix_target_revision_plan_id"), "target_revision", ["plan_id"])
    op.create_index(op.f("ix_target_revision_indicator_id"), "target_revision", ["indicator_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_target_revision_indicator_id"), table_name="target_revision")
    op.drop_index(op.f("ix_target_revision_plan_id"), table_name="target_revision")
    op.drop_table("target_revision")
