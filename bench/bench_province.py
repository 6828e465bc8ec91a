"""Province-scale benchmark: status, forecast and roll-up of every indicator and unit for one period.

A synthetic province (1 province, 16 cities, 129 counties, 1,500 townships, each unit keyed by a code and
every city's first county named 城区; 300 indicators; 12 months
of approved township figures, about 5.4 million) is loaded through duban's store, then one period is
read back and judged, and a hand-written DuckDB query computes the same roll-up and statuses over the
same rows as a baseline: once on Arrow tables already in memory, and once end to end from Parquet files
the bench writes once (every month so far, as duban's end-to-end judge reads them with history).
The headline compares end to end with end to end. Prints figures; not a test. See bench/README.md.

Run: uv run python bench/bench_province.py [--small] [--db sqlite|postgres --url URL] [--month 6]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from duban.choices import OrgKind
from duban.persistence.bulk import load_entries, load_unit_targets
from duban.persistence.db import make_engine, session_factory
from duban.persistence.migrate import upgrade
from duban.plan.model import Area, Indicator, OrgUnit, Plan, Task, Thresholds
from duban.progress.batch import STATUSES, PeriodFrame, PeriodResult, judge_period
from duban.services.batch import judge_plan_period, period_frame
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan

YEAR = 2026
MISSING = 0.005  # share of township figures never reported (未报送)
# (kind, unit, comparator, profile): a cycle of ten over the indicators
KINDS = (
    ("count", "个", ">=", "linear"), ("amount", "元", ">=", "quarterly"), ("rate", "%", ">=", "linear"),
    ("count", "个", ">=", "back_loaded"), ("share", "%", "<=", "linear"), ("amount", "元", ">=", "linear"),
    ("growth", "%", ">=", "linear"), ("count", "个", "<=", "linear"), ("rate", "%", ">=", "linear"),
    ("count", "个", ">", "seasonal"),
)  # fmt: skip
LEVEL_TARGETS = {"rate": 85.0, "share": 30.0, "growth": 8.0}


@dataclass(frozen=True)
class Size:
    cities: int
    counties: int
    townships: int
    indicators: int


FULL = Size(cities=16, counties=129, townships=1500, indicators=300)
SMALL = Size(cities=2, counties=10, townships=100, indicators=30)


def main() -> None:
    args = _arguments()
    size = SMALL if args.small else FULL
    with _database(args) as url:
        figures = run(url=url, size=size, month=args.month, repeat=args.repeat)
    _print(figures)
    if not (figures["agreement ok"] and figures["parquet agreement ok"]):
        raise SystemExit("duban and DuckDB disagree")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", action="store_true", help="2 cities, 100 townships, 30 indicators")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server to create (and drop) a scratch database in",
    )
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="keep the store (a SQLite file path, or a PostgreSQL "
        "database name) and reuse it when it is already loaded: timings only",
    )
    parser.add_argument("--month", type=int, default=6, help="the period to judge (1-12)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported")
    return parser.parse_args()  # fmt: skip


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[str]:
    """The store: a temporary SQLite file or PostgreSQL database (dropped afterwards), or the kept one."""
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(args.keep or Path(folder) / 'province.db').resolve()}"
        return
    name = args.keep or f"duban_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(args.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(args.url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(*, url: str, size: Size, month: int, repeat: int) -> dict[str, Any]:
    """Load the province (unless the store holds it already), time one period through duban and DuckDB."""
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    figures: dict[str, Any] = {"backend": engine.dialect.name, "month": month}
    started = time.perf_counter()
    with factory() as session:
        figures |= load_province(session=session, size=size)
        session.commit()
    figures["load s"] = time.perf_counter() - started
    with factory() as session:
        plan_id = session.execute(text("SELECT id FROM plan")).scalar_one()
        figures |= time_duban(session=session, plan_id=plan_id, month=month, repeat=repeat)
        frame, result = _judged(session, plan_id, month)
        history, _ = period_frame(session=session, plan_id=plan_id, month=month, history=True)
    figures |= time_duckdb(frame=frame, result=result, repeat=repeat)
    with tempfile.TemporaryDirectory() as folder:
        figures |= time_duckdb_parquet(history=history, result=result, folder=Path(folder), repeat=repeat)
    figures["ru_maxrss MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine.dispose()
    return figures


# -- the synthetic province ---------------------------------------------------------------------


def province_units(size: Size) -> list[OrgUnit]:
    """The province, its cities, counties and townships, keyed by 行政区划-style codes (99 0100 ...).

    Every city names its first county 城区, as real provinces repeat 鼓楼区: the plan refers to units by code.
    """
    units = [OrgUnit(name="全省", kind=OrgKind.PROVINCE, code="990000")]
    cities = [f"99{c + 1:02d}00" for c in range(size.cities)]
    counties = [f"{cities[k % size.cities][:4]}{k // size.cities + 1:02d}" for k in range(size.counties)]
    units += [OrgUnit(name=f"第{c + 1:02d}市", kind=OrgKind.CITY, parent="990000", code=code)
              for c, code in enumerate(cities)]  # fmt: skip
    units += [OrgUnit(name="城区" if code.endswith("01") else f"第{k + 1:03d}县", kind=OrgKind.COUNTY,
                      parent=f"{code[:4]}00", code=code) for k, code in enumerate(counties)]  # fmt: skip
    units += [
        OrgUnit(name=f"第{t + 1:04d}镇", kind=OrgKind.TOWNSHIP, parent=counties[t % size.counties],
                code=f"{counties[t % size.counties]}{t // size.counties + 1:03d}")
        for t in range(size.townships)
    ]  # fmt: skip
    return units


def province_indicators(size: Size, township_targets: np.ndarray) -> list[Indicator]:
    """Indicators cycling through KINDS; a sum kind's own target is its townships' total."""
    indicators = []
    for i in range(size.indicators):
        kind, unit, comparator, profile = KINDS[i % len(KINDS)]
        own = LEVEL_TARGETS.get(kind, float(township_targets[i].sum()))
        due = date(YEAR, 9, 30) if i % 50 == 49 else None
        fields = {"unit": unit, "kind": kind, "comparator": comparator, "profile": profile, "due": due}
        indicators.append(
            Indicator(id=f"I{i + 1:03d}", name=f"指标{i + 1}", target=Decimal(round(own)), **fields)
        )
    return indicators


def township_targets(size: Size, rng: np.random.Generator) -> np.ndarray:
    """(indicator x township) targets: whole numbers for counts and amounts, the level for ratios."""
    targets = np.empty((size.indicators, size.townships))
    for i in range(size.indicators):
        kind = KINDS[i % len(KINDS)][0]
        if kind in LEVEL_TARGETS:
            targets[i] = LEVEL_TARGETS[kind]
        elif kind == "amount":
            targets[i] = np.round(rng.uniform(1e6, 5e7, size.townships))
        else:
            targets[i] = rng.integers(20, 200, size.townships)
    return targets


def load_province(*, session: Session, size: Size) -> dict[str, Any]:
    """Save the plan and units, then bulk-load the township targets and twelve months of figures."""
    count = session.execute(text("SELECT count(*) FROM entry")).scalar_one()
    if count:
        units, indicators = (session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                             for t in ("org_unit", "indicator"))  # fmt: skip
        return {"entries": count, "unit targets": 0, "units": units, "indicators": indicators, "reused": True}
    rng = np.random.default_rng(2026)
    targets = township_targets(size, rng)
    indicators = province_indicators(size, targets)
    tasks = [Task(code=f"T{t + 1:02d}", title=f"任务{t + 1}", indicators=indicators[t * 5 : t * 5 + 5])
             for t in range(size.indicators // 5)]  # fmt: skip
    areas = [
        Area(code=f"A{a + 1}", name=f"方面{a + 1}", tasks=tasks[a * 6 : a * 6 + 6])
        for a in range(len(tasks) // 6)
    ]
    plan = Plan(region="全省", year=YEAR, title="全省年度重点工作", units=province_units(size), areas=areas)
    plan_row = save_plan(session=session, plan=plan)
    periods = ensure_periods(session=session, plan=plan_row, cutoff_day=10, combine_jan_feb=False)
    ids = _ids(session, "SELECT id, code FROM indicator WHERE plan_id = :p ORDER BY code", plan_row.id)
    towns = _ids(session, "SELECT id, code FROM org_unit WHERE kind = 'township' ORDER BY code", None)
    ind_ids = np.array([ids[ind.id] for ind in indicators])
    town_ids = np.array([towns[u.code] for u in plan.units if u.kind is OrgKind.TOWNSHIP and u.code])
    cell_ind, cell_town = (a.ravel() for a in np.meshgrid(ind_ids, town_ids, indexing="ij"))
    load_unit_targets(session=session, indicator_id=cell_ind, unit_id=cell_town, value=targets.ravel())
    session.commit()
    entries = 0
    for period, columns in zip(periods, monthly_figures(size=size, targets=targets, rng=rng), strict=True):
        kept = rng.random(len(cell_ind)) >= MISSING
        entries += load_entries(session=session, indicator_id=cell_ind[kept], unit_id=cell_town[kept],
                                period_id=np.full(int(kept.sum()), period.id),
                                **{name: column.ravel()[kept] for name, column in columns.items()})  # fmt: skip
        session.commit()
    session.execute(text("ANALYZE"))  # fresh planner statistics, as after any large import
    return {
        "entries": entries,
        "unit targets": len(cell_ind),
        "units": len(plan.units),
        "indicators": len(indicators),
    }


def _ids(session: Session, sql: str, plan_id: int | None) -> dict[str, int]:
    return {key: ident for ident, key in session.execute(text(sql), {"p": plan_id})}


def monthly_figures(
    *, size: Size, targets: np.ndarray, rng: np.random.Generator
) -> Iterator[dict[str, np.ndarray]]:
    """Each month's cumulative values, or numerators and denominators with the rate they make."""
    shape = targets.shape
    pace = rng.uniform(0.5, 1.35, shape)  # how fast each township works towards its target
    base = rng.uniform(100, 10_000, shape)  # denominators: households, last year's figure, ...
    level = targets + rng.normal(0, 8, shape)
    kinds = np.array([KINDS[i % len(KINDS)][0] for i in range(size.indicators)])[:, None]
    for month in range(1, 13):
        drift = rng.normal(0, 1.5, shape)
        rate = np.clip(np.where(kinds == "growth", level + drift, np.clip(level + drift, 0, 100)), -50, 200)
        share = np.where(kinds == "growth", 1 + rate / 100, rate / 100)
        cumulative = np.round(targets * pace * month / 12 * rng.uniform(0.97, 1.03, shape), 2)
        ratio = np.isin(kinds, list(LEVEL_TARGETS))
        numerator = np.where(ratio, np.round(base * share, 4), np.nan)
        yield {
            "value": np.where(ratio, _rate_of(numerator, base, kinds), cumulative),
            "numerator": numerator,
            "denominator": np.where(ratio, base, np.nan),
        }


def _rate_of(numerator: np.ndarray, denominator: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    ratio = numerator / denominator
    return np.round(np.where(kinds == "growth", (ratio - 1) * 100, ratio * 100), 6)


# -- timing ---------------------------------------------------------------------------------------


def _best(repeat: int, step: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - started)
    return min(times), result


def _judged(session: Session, plan_id: int, month: int) -> tuple[PeriodFrame, PeriodResult]:
    frame, _ = period_frame(session=session, plan_id=plan_id, month=month)
    return frame, judge_period(frame=frame, thresholds=Thresholds())


def time_duban(*, session: Session, plan_id: int, month: int, repeat: int) -> dict[str, Any]:
    """Read the period and judge it; then the same with every month so far (as the forecast wants)."""
    read, frame = _best(repeat, lambda: period_frame(session=session, plan_id=plan_id, month=month)[0])
    compute, _ = _best(repeat, lambda: judge_period(frame=frame, thresholds=Thresholds()))
    read_h, frame_h = _best(
        repeat, lambda: period_frame(session=session, plan_id=plan_id, month=month, history=True)[0]
    )
    compute_h, _ = _best(repeat, lambda: judge_period(frame=frame_h, thresholds=Thresholds()))
    end_to_end, _ = _best(repeat, lambda: judge_plan_period(session=session, plan_id=plan_id, month=month))
    tracemalloc.start()
    _judged(session, plan_id, month)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"rows": len(frame.value), "rows with history": (month, read_h, compute_h), "read s": read,
            "compute s": compute, "end to end s": end_to_end, "tracemalloc MB": peak / 1e6}  # fmt: skip


def time_duckdb(*, frame: PeriodFrame, result: PeriodResult, repeat: int) -> dict[str, Any]:
    """The same roll-up and statuses as one hand-written DuckDB query, and how far the answers differ."""
    con = duckdb.connect()
    for name, table in duckdb_tables(frame).items():
        con.register(name, table)
    seconds, answer = _best(repeat, lambda: con.execute(ROLL_UP_SQL).fetchnumpy())
    con.close()
    return {"duckdb s": seconds} | agreement(result=result, answer=answer)


def time_duckdb_parquet(
    *, history: PeriodFrame, result: PeriodResult, folder: Path, repeat: int
) -> dict[str, Any]:
    """DuckDB end to end: the same query reading the figures of every month so far from Parquet files.

    The files are written once, untimed; each timed run opens a fresh connection, so nothing is cached.
    """
    tables = duckdb_tables(history)
    tables["facts"] = tables["facts"].append_column("month", pa.array(history.row_month))
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    seconds, answer = _best(repeat, lambda: _parquet_query(folder, history.month))
    checked = agreement(result=result, answer=answer)
    return {"duckdb parquet s": seconds, "parquet agreement ok": checked["agreement ok"]}


def _parquet_query(folder: Path, month: int) -> dict[str, np.ndarray]:
    con = duckdb.connect()
    for name in ("ancestry", "targets", "indicators"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / name}.parquet')")
    con.execute(f"CREATE VIEW facts AS SELECT indicator, unit, value, numerator, denominator "
                f"FROM read_parquet('{folder / 'facts'}.parquet') WHERE month = {int(month)}")  # fmt: skip
    answer: dict[str, np.ndarray] = con.execute(ROLL_UP_SQL).fetchnumpy()
    con.close()
    return answer


def duckdb_tables(frame: PeriodFrame) -> dict[str, pa.Table]:
    """The frame's rows, unit tree, targets and indicator facts as Arrow tables."""
    ind, parent = frame.indicators, frame.units.parent
    ancestors = [np.arange(len(parent))]
    while (ancestors[-1] >= 0).any():
        ancestors.append(np.where(ancestors[-1] >= 0, parent[np.maximum(ancestors[-1], 0)], -1))
    leaves = np.flatnonzero(~np.isin(np.arange(len(parent)), parent))
    t_ind, t_unit = np.nonzero(~np.isnan(frame.target))
    return {
        "facts": pa.table({"indicator": frame.indicator, "unit": frame.unit, "value": _nulls(frame.value),
                           "numerator": _nulls(frame.numerator), "denominator": _nulls(frame.denominator)}),
        "ancestry": pa.table({"unit": leaves, "county": ancestors[1][leaves], "city": ancestors[2][leaves],
                              "province": ancestors[3][leaves]}),
        "targets": pa.table({"indicator": t_ind, "unit": t_unit, "target": frame.target[t_ind, t_unit]}),
        "indicators": pa.table({"indicator": np.arange(len(ind.ids)), "ratio": ind.ratio, "growth": ind.growth,
                                "level": ind.level, "ceiling": ind.ceiling, "strict": ind.strict,
                                "expected": ind.expected, "past_due": ind.past_due,
                                "deadline_reached": ind.deadline_reached, "nodes": ind.nodes}),
    }  # fmt: skip


def _nulls(column: np.ndarray | None) -> pa.Array:
    return pa.array(column, from_pandas=True)


# Status codes follow duban.progress.batch.STATUSES: 0 已完成, 1 超序时, 2 正常, 3 滞后, 4 严重滞后, 5 未报送.
ROLL_UP_SQL = """
WITH leaf AS (
    SELECT f.indicator, f.unit, f.value,
           CASE WHEN f.numerator IS NOT NULL AND f.denominator IS NOT NULL THEN f.numerator END AS n,
           CASE WHEN f.numerator IS NOT NULL AND f.denominator IS NOT NULL THEN f.denominator END AS d,
           a.county, a.city, a.province
    FROM facts f JOIN ancestry a ON a.unit = f.unit
), summed AS (
    SELECT indicator, unit, value AS total, n, d, TRUE AS own FROM leaf
    UNION ALL
    SELECT indicator, COALESCE(county, city, province), SUM(value), SUM(n), SUM(d), FALSE
    FROM leaf GROUP BY GROUPING SETS ((indicator, county), (indicator, city), (indicator, province))
), valued AS (
    SELECT s.indicator, s.unit, s.n, s.d,
           CASE WHEN NOT i.ratio OR (s.own AND s.total IS NOT NULL) THEN s.total
                WHEN s.d = 0 THEN NULL
                WHEN i.growth THEN (s.n / s.d - 1) * 100
                ELSE s.n / s.d * 100 END AS value
    FROM summed s JOIN indicators i ON i.indicator = s.indicator
), measured AS (
    SELECT t.indicator, t.unit, t.target, v.value, i.*,
           CASE WHEN i.ceiling THEN v.value <= t.target WHEN i.strict THEN v.value > t.target
                ELSE v.value >= t.target END AS sat,
           CASE WHEN t.target <= 0 THEN NULL
                WHEN i.ceiling AND i.level THEN CASE WHEN v.value > 0 THEN 100 * t.target / v.value ELSE 100 END
                ELSE 100 * v.value / t.target END AS completion
    FROM targets t JOIN indicators i ON i.indicator = t.indicator
    LEFT JOIN valued v ON v.indicator = t.indicator AND v.unit = t.unit
), gapped AS (
    SELECT *, CASE WHEN target <= 0 THEN CASE WHEN sat THEN 0 ELSE 100 END
                   WHEN ceiling AND NOT level THEN completion - expected
                   ELSE expected - completion END AS gap
    FROM measured
)
SELECT indicator, unit, value,
       CASE WHEN value IS NULL THEN 5
            WHEN ceiling AND NOT level AND NOT sat THEN 4
            WHEN sat AND (NOT ceiling OR level OR deadline_reached) THEN 0
            WHEN past_due OR (nodes AND expected > 0 AND gap > 0) THEN 4
            WHEN gap > 30 THEN 4
            WHEN gap >= 10 THEN 3
            WHEN gap <= -5 THEN 1
            ELSE 2 END AS status
FROM gapped
"""


def agreement(*, result: PeriodResult, answer: dict[str, np.ndarray]) -> dict[str, Any]:
    """Max difference of the rolled-up values and count of differing statuses, cell by cell."""
    ind, unit = answer["indicator"], answer["unit"]
    theirs = np.ma.filled(answer["value"].astype(float), np.nan)
    ours = result.value[ind, unit]
    both = ~np.isnan(ours) & ~np.isnan(theirs)
    diff = np.abs(ours[both] - theirs[both])
    scale = np.maximum(np.abs(ours[both]), 1.0)
    missing = int(np.sum(np.isnan(ours) != np.isnan(theirs)))
    statuses = int(np.sum(result.status[ind, unit] != np.ma.filled(answer["status"], -9)))
    ok = missing == 0 and statuses == 0 and float(np.max(diff / scale, initial=0)) < 1e-9
    return {"cells compared": len(ind), "max abs diff": float(np.max(diff, initial=0)),
            "max rel diff": float(np.max(diff / scale, initial=0)), "missing differs": missing,
            "status differs": statuses, "agreement ok": ok,
            "status counts": np.bincount(result.status[ind, unit], minlength=len(STATUSES)).tolist()}  # fmt: skip


def _print(f: dict[str, Any]) -> None:
    month, read_h, compute_h = f["rows with history"]
    total = f["read s"] + f["compute s"]
    lines = [
        f"backend: {f['backend']}  units: {f['units']}  indicators: {f['indicators']}  period: {YEAR}-{f['month']:02d}",
        f"loaded: {f['entries']:,} figures, {f['unit targets']:,} unit targets",
        "load time: skipped, the kept store was reused" if f.get("reused") else f"load time: {f['load s']:.1f} s",
        f"rows in the period: {f['rows']:,}",
        f"read period from store: {f['read s']:.3f} s",
        f"compute (judge_period: status, forecast, roll-up): {f['compute s']:.3f} s",
        f"total for one period: {total:.3f} s",
        f"with history (months 1..{month}): read {read_h:.3f} s, compute {compute_h:.3f} s, total {read_h + compute_h:.3f} s",
        f"duckdb query (roll-up + statuses): {f['duckdb s']:.3f} s",
        f"duban compute / duckdb: {f['compute s'] / f['duckdb s']:.2f}x",
        f"duban one period (read + compute) / duckdb in memory: {total / f['duckdb s']:.2f}x",
        f"end to end with history (judge_plan_period, months 1..{month}, from the store): {f['end to end s']:.3f} s",
        f"duckdb from Parquet (months 1..{month}, written once; read + roll-up + statuses): "
        f"{f['duckdb parquet s']:.3f} s",
        f"duban end to end with history / duckdb from Parquet: {f['end to end s'] / f['duckdb parquet s']:.2f}x",
        f"peak memory ru_maxrss: {f['ru_maxrss MB']:.0f} MB",
        f"peak memory tracemalloc (read + compute one period): {f['tracemalloc MB']:.0f} MB",
        f"status counts (已完成, 超序时, 正常, 滞后, 严重滞后, 未报送): {f['status counts']}",
        f"agreement: {f['cells compared']:,} cells, max abs diff {f['max abs diff']:.3g}, max rel diff "
        f"{f['max rel diff']:.3g}, missing differs {f['missing differs']}, status differs {f['status differs']}",
        f"agreement: {'ok' if f['agreement ok'] else 'FAILED'}",
        f"agreement of duckdb from Parquet: {'ok' if f['parquet agreement ok'] else 'FAILED'}",
    ]  # fmt: skip
    print("\n".join(lines))


if __name__ == "__main__":
    main()
