"""较上月: how the headline counts and each indicator's completion moved since the month before."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from duban.choices import Status
from duban.progress.judge import Judgement

PP = "个百分点"


@dataclass(frozen=True)
class Change:
    """A move since the month before: `amount` in `unit` (个, 个百分点), rounded as the page shows it."""

    amount: Decimal
    unit: str

    @property
    def arrow(self) -> str:
        return "↑" if self.amount > 0 else "↓" if self.amount < 0 else "–"

    @property
    def shown(self) -> str:
        """+2, −1.5 or 0: the figure beside the arrow."""
        sign = "+" if self.amount > 0 else "−" if self.amount < 0 else ""
        return f"{sign}{abs(self.amount):f}"

    @property
    def words(self) -> str:
        """较上月 in words, as a screen reader says it: 增加2个, 减少1.5个百分点, 持平."""
        if not self.amount:
            return "持平"
        return f"{'增加' if self.amount > 0 else '减少'}{abs(self.amount):f}{self.unit}"


class _Judged(Protocol):
    @property
    def indicator(self) -> _Coded: ...

    @property
    def judgement(self) -> Judgement: ...


class _Coded(Protocol):
    @property
    def id(self) -> str: ...


def count_changes(*, now: Mapping[Status, int], before: Mapping[Status, int]) -> dict[Status, Change]:
    """Each headline count's change in indicators since the `before` counts."""
    return {status: Change(Decimal(n - before.get(status, 0)), "个") for status, n in now.items()}


def completion_changes(*, now: Iterable[_Judged], before: Iterable[_Judged]) -> dict[str, Change]:
    """Each indicator's completion change in percentage points (as shown, to 0.1), where both months have one."""
    earlier = {line.indicator.id: line.judgement.completion_pct for line in before}
    return {
        line.indicator.id: Change(
            _shown(line.judgement.completion_pct) - _shown(earlier[line.indicator.id]), PP
        )
        for line in now
        if line.judgement.completion_pct is not None and earlier.get(line.indicator.id) is not None
    }


def _shown(pct: Decimal | None) -> Decimal:
    return Decimal(str(pct or 0)).quantize(Decimal("0.1"))


def counts_sentence(changes: Mapping[Status, Change]) -> str:
    """What changed in the headline counts, in one sentence: 较上月,正常增加2个、滞后减少1个,其余持平。"""
    moved = [f"{status.label}{change.words}" for status, change in changes.items() if change.amount]
    if not moved:
        return "较上月，各状态的指标数均持平。"
    rest = "，其余持平" if len(moved) < len(changes) else ""
    return f"较上月，{'、'.join(moved)}{rest}。"
