"""reporting: evidence files and period reopenings

Revision ID: 0002_reporting
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_reporting"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entry.id"], name=op.f("fk_evidence_entry_id_entry"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["app_user.id"], name=op.f("fk_evidence_uploaded_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    op.create_index(op.f("ix_evidence_entry_id"), "evidence", ["entry_id"])
    op.create_index(op.f("ix_evidence_sha256"), "evidence", ["sha256"])
    op.create_table(
        "period_reopen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"], ["period.id"], name=op.f("fk_period_reopen_period_id_period"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["org_unit.id"], name=op.f("fk_period_reopen_unit_id_org_unit")),
        sa.ForeignKeyConstraint(["by"], ["app_user.id"], name=op.f("fk_period_reopen_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_reopen")),
    )
    op.create_index(op.f("ix_period_reopen_period_id"), "period_reopen", ["period_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_period_reopen_period_id"), table_name="period_reopen")
    op.drop_table("period_reopen")
    op.drop_index(op.f("ix_evidence_sha256"), table_name="evidence")
    op.drop_index(op.f("ix_evidence_entry_id"), table_name="evidence")
    op.drop_table("evidence")
