"""The province benchmark runs end to end in its small size and its answers agree with DuckDB's.

Only that it runs and prints every figure: the timings themselves are not asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "bench_province.py"
FIGURES = (
    r"load time: [\d.]+ s",
    r"read period from store: [\d.]+ s",
    r"compute \(judge_period: status, forecast, roll-up\): [\d.]+ s",
    r"total for one period: [\d.]+ s",
    r"with history \(months 1\.\.6\): read [\d.]+ s, compute [\d.]+ s, total [\d.]+ s",
    r"duckdb query \(roll-up \+ statuses\): [\d.]+ s",
    r"duban compute / duckdb: [\d.]+x",
    r"end to end with history \(judge_plan_period, months 1\.\.6, from the store\): [\d.]+ s",
    r"duckdb from Parquet \(months 1\.\.6, written once; read \+ roll-up \+ statuses\): [\d.]+ s",
    r"duban end to end with history / duckdb from Parquet: [\d.]+x",
    r"peak memory ru_maxrss: \d+ MB",
    r"peak memory tracemalloc \(read \+ compute one period\): \d+ MB",
    r"missing differs 0, status differs 0",
    r"^agreement: ok$",
    r"^agreement of duckdb from Parquet: ok$",
)


@pytest.fixture(scope="module")
def printed() -> str:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--small", "--repeat", "1"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("figure", FIGURES)
def test_prints_every_figure(printed: str, figure: str) -> None:
    assert re.search(figure, printed, re.MULTILINE), printed


@pytest.mark.slow
def test_loads_every_township_figure_of_the_small_province(printed: str) -> None:
    # 30 indicators x 100 townships x 12 months, less the 0.5% never reported
    loaded = int(re.search(r"loaded: ([\d,]+) figures", printed).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert 35_500 <= loaded < 36_000
    assert "3,000 unit targets" in printed
