"""The routes of the app as it is assembled, collected from `app.routes` (through included routers),
and the policy action each one names through its `allow(Action.…)` dependency."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from duban.policy import Action

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str


def all_routes(app: FastAPI) -> list[RouteInfo]:
    """Every (method, path template) the app answers, HEAD left out."""
    found = {RouteInfo(m, path) for path, methods, _ in _walk(app.routes, "") for m in methods if m != "HEAD"}
    return sorted(found, key=lambda r: (r.path, r.method))


def route_actions(app: FastAPI) -> dict[RouteInfo, set[Action]]:
    """The policy actions each route's dependencies name (an empty set: the route asks no policy)."""
    found: dict[RouteInfo, set[Action]] = {}
    for path, methods, route in _walk(app.routes, ""):
        named = set(_actions(getattr(route, "dependant", None)))
        for method in methods - {"HEAD"}:
            found.setdefault(RouteInfo(method, path), set()).update(named)
    return found


def plan_free(app: FastAPI) -> set[RouteInfo]:
    """The routes whose gate reads no plan (`allow(…, plan=False)`): bound by the unit they act on alone."""
    found = set()
    for path, methods, route in _walk(app.routes, ""):
        if any(
            getattr(d.call, "reads_plan", True) is False
            for d in _dependencies(getattr(route, "dependant", None))
        ):
            found |= {RouteInfo(m, path) for m in methods - {"HEAD"}}
    return found


def _dependencies(dependant: Any) -> Iterator[Any]:
    for dependency in getattr(dependant, "dependencies", ()):
        yield dependency
        yield from _dependencies(dependency)


def _actions(dependant: Any) -> Iterator[Action]:
    for dependency in getattr(dependant, "dependencies", ()):
        action = getattr(dependency.call, "policy_action", None)
        if action is not None:
            yield action
        yield from _actions(dependency)


def state_changing(app: FastAPI) -> list[RouteInfo]:
    return [r for r in all_routes(app) if r.method in UNSAFE]


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[tuple[str, set[str], Any]]:
    """Plain routes, and the routes of included routers (FastAPI keeps those behind a wrapper)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            yield prefix + route.path, set(route.methods), route
