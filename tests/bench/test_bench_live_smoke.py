"""The approve → visible benchmark runs end to end on SQLite and every watcher sees every approval.

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
        line = re.search(rf"^{what}\s+(\d+)\s+\d+\s+\d+\s+\d+\s+(\d*)$", done.stdout, re.MULTILINE)
        assert line, done.stdout
        assert (line.group(1), line.group(2) or "0") == ("2", "0"), done.stdout
