"""generation touches: what each move of the generation counters touched (the indicators whose entries
changed, or NULL for everything), so a server can bring a judged period it holds up to date by
recomputing only those; the floor says from which generation on the record is complete

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generation_touch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("figures", sa.BigInteger(), nullable=False),
        sa.Column("states", sa.BigInteger(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_touch")),
    )
    for column in ("figures", "states"):
        op.create_index(op.f(f"ix_generation_touch_{column}"), "generation_touch", [column])
    # nothing was recorded before: the record is complete from the counters as they are now
    for counter in ("figures", "states"):
        op.execute(
            sa.text(
                "INSERT INTO generation (name, value) SELECT :floor, value FROM generation WHERE name = :name"
            ).bindparams(floor=f"touched.{counter}", name=counter)
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM generation WHERE name LIKE 'touched.%'"))
    op.drop_table("generation_touch")
