"""plan revisions: a re-loaded plan applied as a reviewed, undoable change; removed indicators retired

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("indicator") as batch:
        batch.add_column(sa.Column("retired_from", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("retired_at", TZ, nullable=True))
    op.create_table(
        "plan_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("effective_month", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.Column("undone_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_revision_plan_id_plan"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_plan_revision_created_by_app_user")),
        sa.ForeignKeyConstraint(["undone_by"], ["app_user.id"], name=op.f("fk_plan_revision_undone_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_revision")),
    )  # fmt: skip
    op.create_index(op.f("ix_plan_revision_plan_id"), "plan_revision", ["plan_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_plan_revision_plan_id"), table_name="plan_revision")
    op.drop_table("plan_revision")
    with op.batch_alter_table("indicator") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("retired_from")
