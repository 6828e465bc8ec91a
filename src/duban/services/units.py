"""The organisation units as pages and commands list them: one place for each way of asking."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from duban.choices import TOP_KIND_VALUES, OrgKind
from duban.persistence.models import OrgUnitRow
from duban.plan.levels import Level, top_level

_IN_ORDER = (OrgUnitRow.position, OrgUnitRow.id)


def all_units(*, session: Session) -> list[OrgUnitRow]:
    """Every unit, the city first, in the plan's order."""
    return list(session.scalars(select(OrgUnitRow).order_by(*_IN_ORDER)))


def units_below_city(*, session: Session, top: int | None = None) -> list[OrgUnitRow]:
    """The counties and departments (every unit that reports: not a province or city), in the plan's order;
    with `top`, only those below that unit (a plan's region, where a store holds several cities)."""
    query = select(OrgUnitRow).where(OrgUnitRow.kind.not_in(TOP_KIND_VALUES))
    return list(session.scalars(_below(session, query, top).order_by(*_IN_ORDER)))


def counties(*, session: Session, top: int | None = None, kind: OrgKind = OrgKind.COUNTY) -> list[OrgUnitRow]:
    """The counties (or the units of another `kind`: a province's 州市) below `top`, when given, in the plan's
    order."""
    query = select(OrgUnitRow).where(OrgUnitRow.kind == kind.value)
    return list(session.scalars(_below(session, query, top).order_by(*_IN_ORDER)))


def _below(session: Session, query: Select[Any], top: int | None) -> Select[Any]:
    unit = session.get(OrgUnitRow, top) if top is not None else None
    return query.where(OrgUnitRow.path.startswith(f"{unit.path}/", autoescape=True)) if unit else query


def unit_named(*, session: Session, name: str) -> OrgUnitRow | None:
    """The unit of that code (530627) or name (unique: 南京市鼓楼区 where names repeat), a code first;
    surrounding spaces ignored."""
    name = name.strip()
    query = select(OrgUnitRow).where(or_(OrgUnitRow.code == name, OrgUnitRow.name == name))
    return session.scalars(query.order_by((OrgUnitRow.code == name).desc()).limit(1)).first()


def region_level(*, session: Session, region: str) -> Level:
    """The level of a plan of `region`: its unit's kind (a province or a city); a city's where it names none."""
    return level_of(unit_named(session=session, name=region))


def level_of(top: OrgUnitRow | None) -> Level:
    """The level of a plan whose region is the unit `top` (a city's where none), by `levels.top_level`: a
    plan whose region is a county is the county's, above its townships."""
    return top_level([OrgKind(top.kind)] if top is not None else [])


def units_named(*, session: Session, names: Iterable[str]) -> dict[str, OrgUnitRow]:
    """The units of those names (unique in the store: 徐州市鼓楼区 where names repeat), by name."""
    wanted = list(dict.fromkeys(names))
    return {u.name: u for u in session.scalars(select(OrgUnitRow).where(OrgUnitRow.name.in_(wanted)))}


def plan_units(*, session: Session, region: str) -> list[OrgUnitRow]:
    """The units of a plan's tree in the plan's order: the province or city its region names, every unit
    below it and the units under no city (every unit where the region names none), not a neighbour's."""
    return list(
        session.scalars(
            select(OrgUnitRow).where(in_region(session=session, region=region)).order_by(*_IN_ORDER)
        )
    )


def in_region(*, session: Session, region: str) -> ColumnElement[bool]:
    """Whether a unit is of the tree of the plan of `region` (see `plan_units`)."""
    top = unit_named(session=session, name=region)
    if top is None or top.kind not in TOP_KIND_VALUES:
        return true()
    below = OrgUnitRow.path.startswith(f"{top.path}/", autoescape=True)
    orphan = and_(
        OrgUnitRow.parent_id.is_(None), OrgUnitRow.kind.not_in(TOP_KIND_VALUES)
    )  # a unit of no city
    return or_(OrgUnitRow.id == top.id, below, orphan)


def unit_path(*, session: Session, unit_id: int) -> str | None:
    """The path of the unit `unit_id` (None: no such unit); no statement when the session holds it."""
    unit = session.get(OrgUnitRow, unit_id)
    return unit.path if unit else None


def city_path_of(path: InstrumentedAttribute[str]) -> ScalarSelect[str]:
    """The path of the city of the unit at `path`: the nearest province or city at or above it (NULL: none),
    a column of the statement that reads the unit, not a statement of its own."""
    city = aliased(OrgUnitRow)
    above = func.substr(path, 1, func.length(city.path) + 1) == city.path + "/"
    return (
        select(city.path)
        .where(city.kind.in_(TOP_KIND_VALUES), or_(city.path == path, above))
        .order_by(func.length(city.path).desc())
        .limit(1)
        .scalar_subquery()
    )


def units_by_key(*, session: Session) -> dict[str, OrgUnitRow]:
    """Every unit by its code and by its (unique) name: how plan files and forms name a unit."""
    rows = list(session.scalars(select(OrgUnitRow)))
    return {**{unit.name: unit for unit in rows}, **{unit.code: unit for unit in rows}}


def units_by_name(*, session: Session) -> dict[str, OrgUnitRow]:
    """Every unit by its name (where the store has one unit of a name, as in a city's store)."""
    return {unit.name: unit for unit in session.scalars(select(OrgUnitRow))}
