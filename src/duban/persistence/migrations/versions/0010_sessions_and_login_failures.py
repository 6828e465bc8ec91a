"""sessions and logins: a session version per user (logout, reset and disable end every session) and
refused logins by address and name (throttling with backoff instead of locking accounts)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    for column in ("address", "username", "at"):
        op.create_index(op.f(f"ix_login_failure_{column}"), "login_failure", [column])


def downgrade() -> None:
    op.drop_table("login_failure")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("session_version")
