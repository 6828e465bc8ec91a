"""A server's worker process, as uvicorn starts it from `duban.web.asgi`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from duban.web.app import FULL_COLLECTION_AFTER
from production.servers import duban_env


def test_a_worker_keeps_what_its_imports_made_out_of_the_collectors_walks(tmp_path: Path) -> None:
    env = duban_env(DUBAN_DATABASE_URL=f"sqlite:///{tmp_path / 'duban.db'}", DUBAN_DATA_DIR=str(tmp_path),
                    DUBAN_SECRET_KEY="test-secret")  # fmt: skip
    count = "import gc, duban.web.asgi; print(gc.get_threshold()[2], gc.get_freeze_count(), len(gc.get_objects()))"
    done = subprocess.run([sys.executable, "-c", count], env=env, cwd=tmp_path, capture_output=True, text=True,
                          check=True, timeout=120)  # fmt: skip
    full_after, frozen, walked = (int(n) for n in done.stdout.split()[-3:])
    assert frozen > 10 * walked, (frozen, walked)  # every full collection walks the `walked` alone
    assert full_after == FULL_COLLECTION_AFTER  # and fewer of them while a province's overview is built
