"""units keyed by code: every org unit gets a code (行政区划代码 for the 昭通 regions, a generated one for
departments and any other unit without one), unique and required, and a path of codes from the top of the
tree down (530600/530602), so a city's office can be limited to its subtree

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# 行政区划代码 of 云南省, 昭通市 and its 11 县(市、区) (水富 a county-level city since 2018: 530681).
REGION_CODES = {
    "云南省": "530000", "昭通市": "530600", "昭阳区": "530602", "鲁甸县": "530621", "巧家县": "530622",
    "盐津县": "530623", "大关县": "530624", "永善县": "530625", "绥江县": "530626", "镇雄县": "530627",
    "彝良县": "530628", "威信县": "530629", "水富市": "530681",
}  # fmt: skip
KIND_MARKS = {"province": "P", "city": "M", "county": "C", "township": "T", "department": "D"}

units = sa.table(
    "org_unit",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("parent_id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("path", sa.String),
    sa.column("position", sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table("org_unit") as batch:
        batch.add_column(sa.Column("path", sa.String(200), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(units).order_by(units.c.position, units.c.id)).mappings().all()
    codes = _codes(rows)
    paths = _paths(rows, codes)
    for row in rows:
        connection.execute(
            units.update().where(units.c.id == row["id"]).values(code=codes[row["id"]], path=paths[row["id"]])
        )
    with op.batch_alter_table("org_unit") as batch:
        batch.alter_column("code", existing_type=sa.String(20), nullable=False)
        batch.alter_column("path", existing_type=sa.String(200), nullable=False)
        batch.create_unique_constraint(batch.f("uq_org_unit_code"), ["code"])
        batch.create_index(batch.f("ix_org_unit_path"), ["path"])


def _codes(rows: Sequence[sa.RowMapping]) -> dict[int, str]:
    """Each unit's code: its own, else its region's 行政区划代码, else the parent's code + kind mark + number."""
    codes = {r["id"]: r["code"] for r in rows if r["code"]}
    taken = set(codes.values())
    for row in rows:
        known = REGION_CODES.get(row["name"])
        if row["id"] not in codes and known and known not in taken:
            codes[row["id"]] = known
            taken.add(known)
    by_id = {r["id"]: r for r in rows}
    for row in _parents_first(rows):
        if row["id"] not in codes:
            parent = codes.get(row["parent_id"], "") if row["parent_id"] in by_id else ""
            codes[row["id"]] = _next_code(f"{parent}{KIND_MARKS.get(row['kind'], 'U')}", taken)
    return codes


def _next_code(prefix: str, taken: set[str]) -> str:
    number = 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    taken.add(f"{prefix}{number:02d}")
    return f"{prefix}{number:02d}"


def _parents_first(rows: Sequence[sa.RowMapping]) -> list[sa.RowMapping]:
    by_id = {r["id"]: r for r in rows}

    def depth(row: sa.RowMapping) -> int:
        seen, level = set(), 0
        while row["parent_id"] in by_id and row["id"] not in seen:
            seen.add(row["id"])
            row, level = by_id[row["parent_id"]], level + 1
        return level

    return sorted(rows, key=depth)


def _paths(rows: Sequence[sa.RowMapping], codes: dict[int, str]) -> dict[int, str]:
    paths: dict[int, str] = {}
    by_id = {r["id"]: r for r in rows}
    for row in _parents_first(rows):
        parent = paths.get(row["parent_id"]) if row["parent_id"] in by_id else None
        paths[row["id"]] = f"{parent}/{codes[row['id']]}" if parent else codes[row["id"]]
    return paths


def downgrade() -> None:
    with op.batch_alter_table("org_unit") as batch:
        batch.drop_index(batch.f("ix_org_unit_path"))
        batch.drop_constraint(batch.f("uq_org_unit_code"), type_="unique")
        batch.alter_column("code", existing_type=sa.String(20), nullable=True)
        batch.drop_column("path")
