"""Precision and recall of the plan reader on the seed and on the real corpus. Prints figures; not a test.

Run: uv run python bench/eval_ingest.py [tests/data/ingest/real]
"""

from __future__ import annotations

import sys
from pathlib import Path

from duban.ingest.evaluate import Evaluation, evaluate
from duban.ingest.service import ingest_document

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "ingest"


def corpus(folder: Path) -> list[tuple[Path, Path]]:
    """(document, gold) pairs of a folder: every X.txt with an X.targets.json next to it."""
    pairs = []
    for gold in sorted(folder.glob("*.targets.json")):
        stem = gold.name.removesuffix(".targets.json")
        documents = [p for p in folder.glob(f"{stem}.*") if p != gold]
        if documents:
            pairs.append((documents[0], gold))
    return pairs


def scores(pairs: list[tuple[Path, Path]], *, verbose: bool = False) -> tuple[float, float, int, int]:
    """Micro-averaged precision, recall, past figures taken and past figures annotated."""
    gold = predicted = matched = past_taken = past = 0
    for document, gold_path in pairs:
        result = evaluation_of(document, gold_path)
        gold, predicted, matched = gold + result.gold, predicted + result.predicted, matched + result.matched
        past_taken += len(result.past_taken)
        past += _past_count(gold_path)
        if verbose:
            print(f"{document.name:40} P {result.precision:.3f} R {result.recall:.3f} "
                  f"({result.matched}/{result.gold}, {result.predicted} taken, past taken {len(result.past_taken)})")  # fmt: skip
            for mark in result.missed:
                print(f"    漏抽 {mark.label} = {mark.comparator}{mark.value}{mark.unit}")
            for mark in result.extra:
                print(f"    误抽 {mark.label} = {mark.comparator}{mark.value}{mark.unit} @{mark.start}")
    precision = matched / predicted if predicted else 1.0
    recall = matched / gold if gold else 1.0
    return precision, recall, past_taken, past


def evaluation_of(document: Path, gold: Path) -> Evaluation:
    return evaluate(result=ingest_document(path=document), gold_path=gold)


def _past_count(gold: Path) -> int:
    import json

    return len(json.loads(gold.read_text(encoding="utf-8")).get("past", []))


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:]] or [DATA / "seed", DATA / "real"]
    for folder in folders:
        precision, recall, taken, past = scores(corpus(folder), verbose=True)
        print(f"== {folder}: precision {precision:.3f} recall {recall:.3f} past taken {taken}/{past}")


if __name__ == "__main__":
    main()
