"""The routes of the app as it is assembled, collected from `app.routes` (through included routers)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str


def all_routes(app: FastAPI) -> list[RouteInfo]:
    """Every (method, path template) the app answers, HEAD left out."""
    found = {RouteInfo(m, path) for path, methods in _walk(app.routes, "") for m in methods if m != "HEAD"}
    return sorted(found, key=lambda r: (r.path, r.method))


def state_changing(app: FastAPI) -> list[RouteInfo]:
    return [r for r in all_routes(app) if r.method in UNSAFE]


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[tuple[str, set[str]]]:
    """Plain routes, and the routes of included routers (FastAPI keeps those behind a wrapper)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)
        elif getattr(route, "methods", None):
            yield prefix + route.path, set(route.methods)
