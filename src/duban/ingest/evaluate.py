"""Compare a draft with a gold annotation: precision, recall, mismatches, past and scale numbers taken.

A predicted target matches a gold target when value, unit, scope and comparator class agree and
their quotes lie within a few characters of each other in the original file. Comparator classes:
lower bounds (>=, >), point values (=, ~) and upper bounds (<=).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from duban.ingest.draft import IngestItem
from duban.ingest.errors import IngestError
from duban.ingest.service import IngestResult
from duban.plan.model import parse_scope_shorthand

NEAR = 30
_CLASSES = {">=": "lower", ">": "lower", "=": "point", "~": "point", "<=": "upper"}


@dataclass(frozen=True)
class Mark:
    """A value at a place in the file, in the comparable form of gold and draft alike."""

    value: Decimal
    unit: str
    scope: str
    comparator: str
    start: int
    end: int
    label: str

    def key(self) -> tuple[Decimal, str, str, str]:
        return (self.value, self.unit, self.scope, _CLASSES.get(self.comparator, self.comparator))

    def near(self, other: Mark) -> bool:
        return self.start - NEAR <= other.end and other.start - NEAR <= self.end


@dataclass
class Evaluation:
    """How the draft compares with the gold annotation."""

    gold: int
    predicted: int
    matched: int
    missed: list[Mark] = field(default_factory=list)
    extra: list[Mark] = field(default_factory=list)
    past_taken: list[Mark] = field(default_factory=list)
    scales_taken: list[Mark] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 1.0


def evaluate(*, result: IngestResult, gold_path: Path) -> Evaluation:
    """Match the draft's targets against a gold JSON file in the seed annotation format."""
    gold = _load_gold(gold_path)
    predicted = [_predicted_mark(item, result) for item in result.targets]
    gold_targets = [_gold_mark(entry) for entry in gold.get("targets", [])]
    matched, missed, extra = match_marks(gold_targets, predicted)
    return Evaluation(
        gold=len(gold_targets),
        predicted=len(predicted),
        matched=matched,
        missed=missed,
        extra=extra,
        # only targets no gold target accounts for: '力争9个… 完成9个' takes the target, not the progress
        past_taken=_taken([_gold_mark(e) for e in gold.get("past", [])], extra),
        scales_taken=_taken([_gold_mark(e) for e in gold.get("project_scales", [])], extra),
    )


def _load_gold(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IngestError(f"无法读取标注文件“{path}”：{exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list):
        raise IngestError(f"标注文件“{path}”格式不对：需要包含 targets 列表")
    return data


def scope_key(text: str | None) -> str:
    """'city', 'each', or the unit/area name, whatever shorthand the scope was written in."""
    parsed = parse_scope_shorthand(text or "city")
    if parsed["kind"] in ("city", "each"):
        return str(parsed["kind"])
    return str(parsed.get("unit") or parsed.get("area"))


def _gold_mark(entry: dict[str, Any]) -> Mark:
    try:
        start = int(entry["offset"])
        return Mark(
            value=Decimal(str(entry["value"])),
            unit=str(entry["unit"]),
            scope=scope_key(entry.get("scope")),
            comparator=str(entry.get("comparator", "=")),
            start=start,
            end=start + len(str(entry.get("quote", ""))),
            label=f"{entry.get('id', '?')} {entry.get('quote', '')}",
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise IngestError(f"标注条目 {entry.get('id', '?')} 缺少或写错了字段：{exc}") from exc


def _predicted_mark(item: IngestItem, result: IngestResult) -> Mark:
    indicator = next(i for i in result.plan.indicators() if i.id == item.indicator_id)
    return Mark(
        value=indicator.target,
        unit=indicator.unit,
        scope=scope_key(indicator.scope.shorthand()),
        comparator=indicator.comparator.value,
        start=item.offset,
        end=item.offset + len(item.quote),
        label=f"{indicator.id} {indicator.name}",
    )


def match_marks(gold: list[Mark], predicted: list[Mark]) -> tuple[int, list[Mark], list[Mark]]:
    """Greedy one-to-one matching of equal keys at nearby places: (matched, missed gold, extra)."""
    free = list(predicted)
    missed: list[Mark] = []
    for mark in gold:
        options = [p for p in free if p.key() == mark.key() and p.near(mark)]
        if options:
            free.remove(min(options, key=lambda p: abs(p.start - mark.start)))
        else:
            missed.append(mark)
    return len(gold) - len(missed), missed, free


def _taken(marks: list[Mark], predicted: list[Mark]) -> list[Mark]:
    """Gold non-targets that a predicted target has the same value and unit as, at the same place."""
    return [m for m in marks if any(p.value == m.value and p.unit == m.unit and p.near(m) for p in predicted)]


def format_evaluation(evaluation: Evaluation) -> list[str]:
    """The report lines; the last three are precision, recall, and past/scale numbers taken."""
    lines = [
        f"标注目标 {evaluation.gold} 个，抽取目标 {evaluation.predicted} 个，匹配 {evaluation.matched} 个"
    ]
    lines += [f"  漏抽：{_describe(m)}" for m in evaluation.missed]
    lines += [f"  误抽：{_describe(m)}" for m in evaluation.extra]
    lines += [f"  误将过去数值当作目标：{_describe(m)}" for m in evaluation.past_taken]
    lines += [f"  误将项目规模当作目标：{_describe(m)}" for m in evaluation.scales_taken]
    lines.append(f"precision 准确率：{evaluation.precision:.3f}")
    lines.append(f"recall 召回率：{evaluation.recall:.3f}")
    lines.append(f"past taken 过去数值误抽：{len(evaluation.past_taken)}；scales taken 项目规模误抽："
                 f"{len(evaluation.scales_taken)}")  # fmt: skip
    return lines


def _describe(mark: Mark) -> str:
    return f"{mark.label} = {mark.comparator}{mark.value}{mark.unit} [{mark.scope}] @{mark.start}"
