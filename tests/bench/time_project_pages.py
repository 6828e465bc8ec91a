"""Server time of the 项目库 pages on a demo store (not a test; run it by hand).

DUBAN_DATA_DIR=/tmp/demo DUBAN_TODAY=2026-06-10 uv run duban demo --no-serve
uv run python tests/bench/time_project_pages.py /tmp/demo 2026-06-10
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from duban.persistence.readcache import forget
from duban.settings import Settings
from duban.web.app import create_app

PAGES = (
    "/projects", "/projects?light=red", "/projects?county=镇雄县", "/projects?stage=registered&page=3",
    "/projects?q=磷酸铁", "/projects/ZT2026-01156", "/projects/ZT2026-08-C01",
)  # fmt: skip
RUNS = 7


def main(data_dir: Path, today: str) -> None:
    accounts = (data_dir / "demo-accounts.txt").read_text(encoding="utf-8").splitlines()
    password = next(line.split("\t")[1] for line in accounts if line.startswith("admin\t"))
    settings = Settings(data_dir=data_dir, today=today, database_url="")
    with TestClient(create_app(settings)) as client:
        page = client.get("/login").text
        csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
        client.post("/login", data={"username": "admin", "password": password, "csrf_token": csrf})
        client.get(PAGES[0])  # warm the app itself (templates, imports) before timing
        print("| page | cold ms | warm median ms | warm max ms | KiB |")
        print("|---|---:|---:|---:|---:|")
        for path in PAGES:
            forget()  # cold: as after a change to the ledger, nothing remembered
            cold, size = _timed(client, path)
            warm = [_timed(client, path)[0] for _ in range(RUNS)]
            print(
                f"| {path} | {cold:.0f} | {statistics.median(warm):.0f} | {max(warm):.0f} | {size / 1024:.0f} |"
            )


def _timed(client: TestClient, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200, (path, response.status_code)
    return (time.perf_counter() - start) * 1000, len(response.content)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
