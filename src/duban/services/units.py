"""The organisation units as pages and commands list them: one place for each way of asking."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from duban.choices import TOP_KIND_VALUES, OrgKind
from duban.persistence.models import OrgUnitRow

_IN_ORDER = (OrgUnitRow.position, OrgUnitRow.id)


def all_units(*, session: Session) -> list[OrgUnitRow]:
    """Every unit, the city first, in the plan's order."""
    return list(session.scalars(select(OrgUnitRow).order_by(*_IN_ORDER)))


def units_below_city(*, session: Session) -> list[OrgUnitRow]:
    """The counties and departments (every unit that reports: not a province or city), in the plan's order."""
    return list(
        session.scalars(
            select(OrgUnitRow).where(OrgUnitRow.kind.not_in(TOP_KIND_VALUES)).order_by(*_IN_ORDER)
        )
    )


def counties(*, session: Session) -> list[OrgUnitRow]:
    """The counties, in the plan's order."""
    return list(
        session.scalars(
            select(OrgUnitRow).where(OrgUnitRow.kind == OrgKind.COUNTY.value).order_by(*_IN_ORDER)
        )
    )


def unit_named(*, session: Session, name: str) -> OrgUnitRow | None:
    """The unit of that code (530627) or name (unique: 南京市鼓楼区 where names repeat), a code first;
    surrounding spaces ignored."""
    name = name.strip()
    query = select(OrgUnitRow).where(or_(OrgUnitRow.code == name, OrgUnitRow.name == name))
    return session.scalars(query.order_by((OrgUnitRow.code == name).desc()).limit(1)).first()


def units_by_name(*, session: Session) -> dict[str, OrgUnitRow]:
    """Every unit by its name."""
    return {unit.name: unit for unit in session.scalars(select(OrgUnitRow))}
