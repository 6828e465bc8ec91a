"""Time the ingest of about 1 MB of plan text (target: under 2 seconds). Prints figures; not a test.

Run: uv run python bench/bench_ingest.py
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

from duban.ingest.service import ingest_document

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "ingest"
SIZE = 1_000_000  # bytes of UTF-8 text


def plan_text(size: int) -> str:
    """About `size` bytes (UTF-8) of plan text: the test documents, each copy with its numbers shifted."""
    sources = [p.read_text(encoding="utf-8") for p in sorted(DATA.glob("*.txt")) if "gb18030" not in p.name]
    sources.append((DATA / "seed" / "zhaotong-2026.txt").read_text(encoding="utf-8"))
    pieces, total, copy = [], 0, 0
    while total < size:
        for source in sources:
            text = shifted(source, copy)
            pieces.append(f"第{copy}部分\n\n{text}")
            total += len(pieces[-1].encode("utf-8")) + 2
        copy += 1
    return "\n\n".join(pieces)


def shifted(text: str, by: int) -> str:
    """The text with every whole number increased by `by`, so that copies are not scraped repeats."""
    return re.sub(r"\d+", lambda match: str(int(match.group(0)) + by), text)


def main() -> None:
    text = plan_text(SIZE)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.txt"
        path.write_text(text, encoding="utf-8")
        started, cpu_started = time.perf_counter(), time.process_time()
        result = ingest_document(path=path)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    size_mb = len(text.encode("utf-8")) / 1_000_000
    print(f"characters: {len(text)}  bytes: {size_mb:.2f} MB")
    print(f"targets: {len(result.plan.indicators())}  numbers read: {len(result.items)}")
    print(f"ingest time: {elapsed:.2f} s  ({elapsed / size_mb:.2f} s per MB, limit 2 s for 1 MB)")
    print(f"CPU time: {cpu:.2f} s  (what the wall time would be on an idle core; the machine may be shared)")


if __name__ == "__main__":
    main()
