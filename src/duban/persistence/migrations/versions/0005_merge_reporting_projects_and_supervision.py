"""merge reporting, projects and supervision

Revision ID: 0005
Revises: 0002_reporting, 0003, 0004_supervision
Create Date: 2026-11-29 16:47:55.754590
"""

from __future__ import annotations

revision = "0005"
down_revision = ("0002_reporting", "0003", "0004_supervision")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
