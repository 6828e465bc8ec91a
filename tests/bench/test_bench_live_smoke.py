"""The approve → visible benchmark runs end to end on SQLite (the demo city, and a copy of a kept province
store) and every watcher sees every approval.

Only that it runs and each approval shows: the timings themselves are not asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "bench_live.py"


@pytest.mark.slow
def test_every_approval_shows_on_the_api_the_map_and_the_dashboard() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--trials", "2"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    for what in ("approve ack", "→ api", "→ map", "→ dashboard"):
        # count, p50, p95, max, not seen, asked again (a trial whose first answer did not show it yet)
        line = re.search(
            rf"^{what}\s+(\d+)\s+\d+\s+\d+\s+\d+ {{2}}(\d*)\s*(\d*)\s*$", done.stdout, re.MULTILINE
        )
        assert line, done.stdout
        assert (line.group(1), line.group(2) or "0") == ("2", "0"), done.stdout


@pytest.mark.slow
def test_province_mode_shows_every_approval_and_leaves_the_kept_store_as_it_was(tmp_path: Path) -> None:
    sys.path.insert(0, str(SCRIPT.parent))
    from bench_province import SMALL, load_province

    from duban.persistence.db import make_engine, session_factory
    from duban.persistence.migrate import upgrade

    kept = tmp_path / "province.db"
    upgrade(f"sqlite:///{kept}")
    engine = make_engine(f"sqlite:///{kept}")
    with session_factory(engine)() as session:
        load_province(session=session, size=SMALL)
    engine.dispose()
    before = kept.read_bytes()
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--province", str(kept), "--trials", "2"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert re.search(r"^figure: 第\d+镇 \S+ \(June, on the map in \S+\)", done.stdout, re.MULTILINE), (
        done.stdout
    )
    for what in ("approve ack", "→ api", "→ map", "→ dashboard"):
        # count, p50, p95, max, not seen, asked again (a trial whose first answer did not show it yet)
        line = re.search(
            rf"^{what}\s+(\d+)\s+\d+\s+\d+\s+\d+ {{2}}(\d*)\s*(\d*)\s*$", done.stdout, re.MULTILINE
        )
        assert line, done.stdout
        assert (line.group(1), line.group(2) or "0") == ("2", "0"), done.stdout
    assert kept.read_bytes() == before
