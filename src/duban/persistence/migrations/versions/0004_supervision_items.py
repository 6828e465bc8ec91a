"""supervision: items, replies, reminders and each plan's rules

Revision ID: 0004_supervision
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_supervision"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "supervision_rules",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_supervision_rules_plan_id_plan"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_supervision_rules")),
    )  # fmt: skip
    op.create_table(
        "supervision_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.Column("project_code", sa.String(length=100), nullable=True),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("ask", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("colour", sa.String(length=10), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("cause_cleared_on", sa.Date(), nullable=True),
        sa.Column("last_seen_month", sa.Integer(), nullable=False),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        sa.Column("signed_at", TZ, nullable=True),
        sa.Column("answered_at", TZ, nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_supervision_item_plan_id_plan"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["org_unit.id"], name=op.f("fk_supervision_item_unit_id_org_unit")),
        sa.ForeignKeyConstraint(["indicator_id"], ["indicator.id"],
                                name=op.f("fk_supervision_item_indicator_id_indicator"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["opened_by"], ["app_user.id"], name=op.f("fk_supervision_item_opened_by_app_user")),
        sa.ForeignKeyConstraint(["signed_by"], ["app_user.id"], name=op.f("fk_supervision_item_signed_by_app_user")),
        sa.ForeignKeyConstraint(["closed_by"], ["app_user.id"], name=op.f("fk_supervision_item_closed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_item")),
        sa.UniqueConstraint("key", name=op.f("uq_supervision_item_key")),
    )  # fmt: skip
    op.create_index(op.f("ix_supervision_item_plan_id"), "supervision_item", ["plan_id"])
    op.create_index(op.f("ix_supervision_item_subject"), "supervision_item", ["subject"])
    op.create_index(op.f("ix_supervision_item_unit_id"), "supervision_item", ["unit_id"])
    op.create_table(
        "supervision_reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("evidence_name", sa.String(length=300), nullable=True),
        sa.Column("evidence_path", sa.String(length=500), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_bytes", sa.Integer(), nullable=True),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["supervision_item.id"],
                                name=op.f("fk_supervision_reply_item_id_supervision_item"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["by"], ["app_user.id"], name=op.f("fk_supervision_reply_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_reply")),
    )  # fmt: skip
    op.create_index(op.f("ix_supervision_reply_item_id"), "supervision_reply", ["item_id"])
    op.create_table(
        "supervision_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("colour", sa.String(length=10), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("emailed_at", TZ, nullable=True),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.Column("read_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["supervision_item.id"],
                                name=op.f("fk_supervision_reminder_item_id_supervision_item"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["org_unit.id"], name=op.f("fk_supervision_reminder_unit_id_org_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_reminder")),
        sa.UniqueConstraint("item_id", "day", name=op.f("uq_supervision_reminder_item_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_supervision_reminder_unit_id"), "supervision_reminder", ["unit_id"])


def downgrade() -> None:
    op.drop_table("supervision_reminder")
    op.drop_table("supervision_reply")
    op.drop_table("supervision_item")
    op.drop_table("supervision_rules")
