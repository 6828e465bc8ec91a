"""The vectorised path against the scalar rules, on hand examples and on random data."""

from __future__ import annotations

import calendar
import math
import threading
from collections.abc import Sequence
from concurrent.futures import wait
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from duban.choices import Accumulation, Status
from duban.plan.model import Indicator, Thresholds
from duban.progress import batch
from duban.progress.batch import (
    _HELPER,
    NO_TARGET,
    PeriodFrame,
    PeriodResult,
    UnitTree,
    alongside,
    indicator_arrays,
    judge_period,
    unit_scores,
)
from duban.progress.forecast import forecast
from duban.progress.formula import parse_formula
from duban.progress.judge import judge, pro_rated
from duban.progress.rollup import Figure, roll_up

from .conftest import make_indicator
from .test_judge import CASES

TREE = {
    "市": None,
    "甲县": "市",
    "乙县": "市",
    "甲一镇": "甲县",
    "甲二镇": "甲县",
    "乙一镇": "乙县",
    "乙二镇": "乙县",
}
TEMPLATES = [
    make_indicator("count", ">=", id="C"),
    make_indicator("amount", ">=", id="A", profile="back_loaded"),
    make_indicator("rate", ">=", id="R"),
    make_indicator("share", "<=", id="S"),
    make_indicator("growth", "=", id="G"),
    make_indicator("count", "<=", id="B", profile="quarterly"),
    make_indicator(
        "count", ">", id="M", profile={"kind": "milestones", "points": [{"on": "2026-05-31", "share": "0.4"}]}
    ),
    make_indicator("milestone", ">=", id="T", due=date(2026, 8, 31)),
    make_indicator("rate", "<=", id="L"),
]
BOUNDARIES = (10.0, 30.0, -5.0, 0.0)


def frame_for(
    indicators: list[Indicator],
    rows: Sequence[tuple[float, ...]],
    target: np.ndarray,
    month: int,
) -> PeriodFrame:
    tree = UnitTree.from_parents(TREE)
    arr = np.array(rows, dtype=float).reshape(-1, 6)
    return PeriodFrame(
        indicators=indicator_arrays(indicators=indicators, year=2026, on=month_end(month)),
        units=tree,
        month=month,
        indicator=arr[:, 0].astype(int),
        unit=arr[:, 1].astype(int),
        row_month=arr[:, 2].astype(int),
        value=arr[:, 3],
        numerator=arr[:, 4],
        denominator=arr[:, 5],
        target=target,
    )


def month_end(month: int) -> date:
    return date(2026, month, calendar.monthrange(2026, month)[1])


def test_rate_roll_up_and_each_count_by_hand() -> None:
    # 甲一 9/10, 甲二 1/90 -> 甲县 10/100 = 10%; 乙一 30/50 -> 乙县 60%; 市 40/150 = 26.667%
    indicators = [make_indicator("rate", ">=", 50, id="R")]
    nan = math.nan
    rows = [(0, 3, 6, nan, 9, 10), (0, 4, 6, nan, 1, 90), (0, 5, 6, nan, 30, 50)]
    target = np.full((1, 7), 50.0)
    result = judge_period(frame=frame_for(indicators, rows, target, 6), thresholds=Thresholds())
    assert result.value[0].round(3).tolist()[:3] == [26.667, 10.0, 60.0]
    assert result.numerator[0, 0] == 40 and result.denominator[0, 0] == 150
    assert result.status_of(0, 1) is Status.FAR_BEHIND  # 10/50 = 20%: 80 points short
    assert result.status_of(0, 2) is Status.DONE
    assert result.status_of(0, 6) is Status.NOT_REPORTED
    assert (result.each_met[0, 0], result.each_total[0, 0]) == (1, 2)  # 乙县 met, 甲县 not
    assert (result.each_met[0, 1], result.each_total[0, 1]) == (1, 2)  # 甲一 90% met, 甲二 1.1% not


def test_derived_indicator_and_scores() -> None:
    indicators = [
        make_indicator("count", ">=", id="A-01"),
        make_indicator("amount", ">=", id="A-02"),
        make_indicator("amount", ">=", id="avg"),
    ]
    nan = math.nan
    rows = [(0, 3, 6, 2, nan, nan), (1, 3, 6, 10, nan, nan), (0, 4, 6, 3, nan, nan), (1, 4, 6, 20, nan, nan)]
    target = np.full((3, 7), np.nan)
    target[:, 1] = [10, 60, 6]
    frame = frame_for(indicators, rows, target, 6)
    frame = PeriodFrame(**{**frame.__dict__, "formulas": {2: parse_formula("{A-02} / {A-01}")}})
    result = judge_period(frame=frame, thresholds=Thresholds())
    assert result.value[2, 1] == 6.0  # (10 + 20) / (2 + 3), not the mean of 5 and 6.67
    assert result.status_of(2, 1) is Status.DONE and result.status_of(2, 0) is None
    score, done_share, far = unit_scores(
        result=result, weights=np.array([1.0, 1.0, 2.0]), aspiration=np.zeros(3, bool)
    )
    # 甲县: count 5/10 = 50% at June (49.6% due): on track; amount 30/60 = 50%: on track; avg done (weight 2)
    assert score[1] == 100.0 and done_share[1] == 50.0 and far[1] == 0
    assert result.status[0, 0] == NO_TARGET


cells = st.one_of(st.none(), st.integers(min_value=0, max_value=200))


@settings(max_examples=60, deadline=None)
@given(
    month=st.integers(min_value=1, max_value=12),
    picks=st.lists(st.integers(min_value=0, max_value=len(TEMPLATES) - 1), min_size=1, max_size=4),
    data=st.data(),
)
def test_batch_agrees_with_scalar(month: int, picks: list[int], data: st.DataObject) -> None:
    indicators = [TEMPLATES[p] for p in picks]
    units = list(TREE)
    rows = []
    for i in range(len(indicators)):
        for u in range(3, 7):
            for m in range(1, month + 1):
                num, den = data.draw(cells), data.draw(st.integers(min_value=0, max_value=200))
                if num is not None:
                    value = math.nan if indicators[i].is_percent else float(num)
                    rows.append((i, u, m, value, float(num), float(den)))
    targets = data.draw(
        st.lists(
            st.integers(min_value=0, max_value=150),
            min_size=len(indicators) * 7,
            max_size=len(indicators) * 7,
        )
    )
    target = np.array(targets, dtype=float).reshape(len(indicators), 7)
    frame = frame_for(indicators, rows, target, month)
    result = judge_period(frame=frame, thresholds=Thresholds())
    for i, indicator in enumerate(indicators):
        rolled = {
            m: roll_up(kind=indicator.kind, figures=figures(rows, i, m), parent_of=TREE)
            for m in range(1, month + 1)
        }
        for u, unit in enumerate(units):
            check_cell(indicator, rolled, unit, month, float(target[i, u]), result, i, u)


def figures(rows: list[tuple[int, int, int, float, float, float]], i: int, m: int) -> dict[str, Figure]:
    units = list(TREE)
    return {
        units[u]: Figure(None if math.isnan(v) else Decimal(v), Decimal(n), Decimal(d))
        for (ii, u, mm, v, n, d) in rows
        if ii == i and mm == m
    }


def check_cell(
    indicator: Indicator,
    rolled: dict[int, dict[str, Figure]],
    unit: str,
    month: int,
    target: float,
    result: PeriodResult,
    i: int,
    u: int,
) -> None:
    current = rolled[month][unit].value
    batch_value = result.value[i, u]
    assert (current is None) == np.isnan(batch_value)
    if current is not None:
        assert float(current) == _approx(batch_value)
    scalar = judge(
        indicator=indicator,
        target=Decimal(int(target)),
        actual=current,
        on=month_end(month),
        year=2026,
        thresholds=Thresholds(),
    )
    if scalar.gap_pp is None or min(abs(float(scalar.gap_pp) - b) for b in BOUNDARIES) > 1e-6:
        assert result.status_of(i, u) is scalar.status
    if current is None:
        return
    series = [(m, v) for m in range(1, month + 1) if (v := rolled[m][unit].value) is not None]
    accumulation = Accumulation.CUMULATIVE if pro_rated(indicator) else Accumulation.LEVEL
    expected = forecast(
        series=series,
        target=Decimal(int(target)),
        comparator=indicator.comparator,
        year=2026,
        accumulation=accumulation,
    )
    assert expected.point == _approx(result.point[i, u])
    assert expected.high == _approx(result.high[i, u])
    assert expected.probability == _approx(result.probability[i, u])
    assert (expected.reach_month or 0) == result.reach_month[i, u]


def _approx(x: float) -> object:
    return pytest.approx(float(x), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("kind", "comp", "extra", "target", "actual", "on", "status", "completion", "gap"), CASES
)
def test_batch_worked_examples(
    kind: str,
    comp: str,
    extra: dict[str, Any],
    target: int,
    actual: str,
    on: str,
    status: Status,
    completion: str,
    gap: str,
) -> None:
    indicator = make_indicator(kind, comp, target, **extra)
    day = date.fromisoformat(on)
    numbers = np.full((1, 7), np.nan)
    numbers[0, 0] = target
    frame = frame_for([indicator], [(0, 0, 1, float(actual), math.nan, math.nan)], numbers, 1)
    frame = PeriodFrame(
        **{**frame.__dict__, "indicators": indicator_arrays(indicators=[indicator], year=2026, on=day)}
    )
    result = judge_period(frame=frame, thresholds=Thresholds())
    assert result.status_of(0, 0) is status
    assert round(result.completion[0, 0], 3) == float(completion)
    assert round(result.gap[0, 0], 3) == float(gap)


@pytest.mark.parametrize("spare", [True, False])
def test_the_parts_of_a_period_judge_as_each_indicator_alone(
    spare: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # judge_period works on parts of the indicators at once (cubes, roll-up, judge and forecast), on helper
    # threads where a core is spare: every array must be what each indicator judged alone gives, in its row
    monkeypatch.setattr(batch, "_spare_cores", lambda: spare)
    rng = np.random.default_rng(7)
    nan = math.nan
    rows = [
        (i, u, m, float(rng.integers(0, 200)), float(rng.integers(1, 90)), float(rng.integers(90, 200)))
        for i in range(len(TEMPLATES)) for u in (3, 4, 5, 6) for m in range(1, 7) if rng.random() > 0.2
    ]  # fmt: skip
    rows = [(i, u, m, nan if TEMPLATES[i].kind in ("rate", "share", "growth") else v, n, d)
            for i, u, m, v, n, d in rows]  # fmt: skip
    target = np.full((len(TEMPLATES), 7), 100.0)
    whole = judge_period(frame=frame_for(TEMPLATES, rows, target, 6), thresholds=Thresholds())
    for i, indicator in enumerate(TEMPLATES):
        own = [(0, *row[1:]) for row in rows if row[0] == i]
        alone = judge_period(frame=frame_for([indicator], own, target[i : i + 1], 6), thresholds=Thresholds())
        for name in PeriodResult.__dataclass_fields__:
            mine, theirs = getattr(whole, name)[i], getattr(alone, name)[0]
            assert mine.dtype == theirs.dtype and np.array_equal(
                mine, theirs, equal_nan=mine.dtype.kind == "f"
            )


def test_alongside_answers_both_when_the_helpers_are_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "_spare_cores", lambda: True)
    release = threading.Event()
    busy = [_HELPER.submit(release.wait) for _ in range(2)]  # every helper thread taken
    try:
        assert alongside(lambda: 1, lambda: threading.current_thread().name) == (1, "MainThread")
    finally:
        release.set()
        wait(busy)
    assert alongside(lambda: 1, lambda: 2, lambda: threading.current_thread().name)[:2] == (1, 2)
