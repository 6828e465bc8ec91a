"""The reader on real public plan texts (tests/data/ingest/real, see its README): scores over the whole corpus."""

import json
from pathlib import Path

from duban.ingest.evaluate import evaluate
from duban.ingest.service import ingest_document

REAL = Path(__file__).resolve().parent.parent / "data" / "ingest" / "real"


def test_precision_recall_and_past_over_the_real_corpus() -> None:
    gold = predicted = matched = past = past_taken = 0
    golds = sorted(REAL.glob("*.targets.json"))
    assert len(golds) >= 15
    for path in golds:
        result = evaluate(result=ingest_document(path=path.with_name(path.name.replace(".targets.json", ".txt"))),
                          gold_path=path)  # fmt: skip
        gold, predicted, matched = gold + result.gold, predicted + result.predicted, matched + result.matched
        past += len(json.loads(path.read_text(encoding="utf-8"))["past"])
        past_taken += len(result.past_taken)
        assert json.loads(path.read_text(encoding="utf-8"))["source"], f"{path.name} has no source"
    assert matched / predicted >= 0.97
    assert matched / gold >= 0.95
    assert past_taken / past <= 0.02
