"""The pages of the web application, one router per area of the app."""

from __future__ import annotations

from fastapi import APIRouter

from duban.web.pages import (
    counties,
    dashboard,
    entry,
    indicators,
    ingest,
    login,
    map,
    office,
    periods,
    plan,
    projects,
    reporting,
    review,
    users,
    yearclose,
)  # fmt: skip

PAGE_ROUTERS: list[APIRouter] = [
    login.router, dashboard.router, map.router, indicators.router, counties.router, entry.router, review.router,
    periods.router, plan.router, ingest.router, office.router,
    projects.router, reporting.router, users.router, yearclose.router,
]  # fmt: skip
