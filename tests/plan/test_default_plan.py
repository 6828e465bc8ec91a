"""The default plan (昭通 2026) against the gold annotation and the seed document."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from builders import COUNTIES
from duban.choices import BreakdownStatus, OrgKind
from duban.plan.model import Indicator, Plan
from duban.plan.planfile import breakdown_fault, read_plan_file

REPO = Path(__file__).parents[2]
PLAN_FILE = REPO / "src/duban/data/plans/zhaotong-2026.yaml"
SEED = REPO.parent / "shared/seed"
GOLD_FILE = SEED / "zhaotong-2026.targets.json"
SEED_TEXT = SEED / "zhaotong-2026.txt"
YUAN_STEP = Decimal(1_000_000)  # draft splits of 元 amounts are made in 百万元

needs_seed = pytest.mark.skipif(
    not (GOLD_FILE.exists() and SEED_TEXT.exists()),
    reason=f"the gold annotation and seed text are not beside the repository ({SEED})",
)


def _gold() -> list[dict[str, Any]]:
    return json.loads(GOLD_FILE.read_text(encoding="utf-8"))["targets"] if GOLD_FILE.exists() else []


GOLD = _gold()


@pytest.fixture(scope="module")
def plan() -> Plan:
    return read_plan_file(PLAN_FILE)


@pytest.fixture(scope="module")
def by_id(plan: Plan) -> dict[str, Indicator]:
    return {ind.id: ind for ind in plan.indicators()}


def gold_scope(scope: str | None) -> str:
    """The plan-file scope shorthand for the gold's scope string."""
    if scope is None:
        return "city"
    if scope.startswith("each:"):
        return "each:counties"
    return scope if scope in COUNTIES else f"area:{scope}"


@pytest.mark.parametrize(
    ("gold", "expected"),
    [
        (None, "city"),
        ("镇雄县", "镇雄县"),
        ("each:11县(市、区)", "each:counties"),
        ("赤水河流域", "area:赤水河流域"),
        ("有条件的40个乡镇", "area:有条件的40个乡镇"),
        ("中心城市", "area:中心城市"),
    ],
)
def test_gold_scope_mapping(gold: str | None, expected: str) -> None:
    assert gold_scope(gold) == expected


# the plan writes parentheses in Chinese names full-width ("每县（市、区）"); the hand-made gold writes them half-width
CHINESE_PARENTHESES = str.maketrans("()", "（）")


@needs_seed
def test_plan_has_exactly_the_gold_targets(by_id: dict[str, Indicator]) -> None:
    assert len(GOLD) == 55
    assert sorted(by_id) == sorted(g["id"] for g in GOLD)


@needs_seed
@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_indicator_matches_gold(gold: dict[str, Any], by_id: dict[str, Indicator]) -> None:
    ind = by_id[gold["id"]]
    assert ind.name == gold["indicator"].translate(CHINESE_PARENTHESES)
    assert ind.target == Decimal(str(gold["value"]))
    assert (ind.unit, ind.comparator.value, ind.kind.value) == (
        gold["unit"],
        gold["comparator"],
        gold["kind"],
    )
    assert ind.aspiration is gold["aspiration"]
    assert ind.scope.shorthand() == gold_scope(gold["scope"])
    assert (ind.quote, ind.offset, ind.line) == (gold["quote"], gold["offset"], gold["line"])
    assert ind.implicit is gold["implicit"]
    assert ind.same_as == gold.get("same_as")


@needs_seed
@pytest.mark.parametrize("gold", GOLD, ids=[g["id"] for g in GOLD])
def test_quote_stands_at_its_offset_and_line(gold: dict[str, Any]) -> None:
    text = SEED_TEXT.read_text(encoding="utf-8")
    start = gold["offset"]
    assert text[start : start + len(gold["quote"])] == gold["quote"]
    assert text.count("\n", 0, start) + 1 == gold["line"]


def test_source_hash_is_the_seed_documents(plan: Plan) -> None:
    if not SEED_TEXT.exists():
        pytest.skip(f"seed text not found at {SEED_TEXT}")
    assert plan.source is not None
    assert plan.source.sha256 == hashlib.sha256(SEED_TEXT.read_bytes()).hexdigest()


def test_counties_in_order_with_code_and_population(plan: Plan) -> None:
    counties = plan.counties()
    assert tuple(c.name for c in counties) == COUNTIES
    for county in counties:
        assert county.parent == "昭通市"
        assert county.code is not None and len(county.code) == 6 and county.code.startswith("5306")
        assert county.population is not None and county.population > 50_000
    assert {c.name: c.code for c in counties}["水富市"] == "530681"


def test_departments_hang_under_the_city(plan: Plan) -> None:
    departments = [u for u in plan.units if u.kind is OrgKind.DEPARTMENT]
    assert len(departments) >= 12
    assert all(d.parent == "昭通市" and d.name.startswith("市") for d in departments)


def test_every_breakdown_reaches_its_target(plan: Plan) -> None:
    broken = {ind.id: breakdown_fault(ind) for ind in plan.indicators() if breakdown_fault(ind)}
    assert broken == {}


def population_split(total: Decimal, populations: dict[str, int], step: Decimal) -> dict[str, Decimal]:
    """Largest-remainder split of `total` in multiples of `step`, weighted by population."""
    units, weight = int(total / step), sum(populations.values())
    exact = {name: Decimal(units * pop) / weight for name, pop in populations.items()}
    shares = {name: int(value) for name, value in exact.items()}
    by_remainder = sorted(exact, key=lambda name: exact[name] - shares[name], reverse=True)
    for name in by_remainder[: units - sum(shares.values())]:
        shares[name] += 1
    return {name: share * step for name, share in shares.items()}


def test_population_split_helper_adds_up() -> None:
    split = population_split(Decimal(13), {"a": 5, "b": 3, "c": 1}, Decimal(1))
    assert split == {"a": 7, "b": 4, "c": 2}  # exact 7.22, 4.33, 1.44: the one left over goes to c
    assert sum(split.values()) == 13


def test_draft_splits_are_the_documented_population_split(plan: Plan) -> None:
    populations = {c.name: int(c.population or 0) for c in plan.counties()}
    drafts = [
        ind for ind in plan.indicators() if ind.breakdown and ind.breakdown.status is BreakdownStatus.DRAFT
    ]
    assert len(drafts) >= 20
    for ind in drafts:
        assert ind.breakdown is not None and "人口普查" in (ind.breakdown.basis or "")
        step = YUAN_STEP if ind.unit == "元" else Decimal(1)
        assert ind.breakdown.targets == population_split(ind.target, populations, step), ind.id


def test_confirmed_breakdowns_follow_the_text(by_id: dict[str, Indicator]) -> None:
    expected = {
        "A-01": {"镇雄县": 10},
        "A-02": {"镇雄县": 8267000000},
        "A-07": {"昭阳区": 1, "镇雄县": 1, "水富市": 1},
    }
    for ind_id, targets in expected.items():
        breakdown = by_id[ind_id].breakdown
        assert breakdown is not None and breakdown.status is BreakdownStatus.CONFIRMED
        assert breakdown.targets == {k: Decimal(v) for k, v in targets.items()}


def test_no_percentage_is_split_and_every_percentage_has_its_parts(plan: Plan) -> None:
    for ind in plan.indicators():
        if ind.is_percent:
            assert ind.breakdown is None, ind.id
        if ind.kind.value in ("rate", "share"):
            assert ind.numerator and ind.denominator, ind.id


def test_livelihood_group_has_the_ten_items(plan: Plan) -> None:
    (group,) = [area for area in plan.areas if area.livelihood]
    assert [task.code for task in group.tasks] == [f"L{n:02d}" for n in range(1, 11)]
    assert [task.code for task in group.tasks if not task.indicators] == ["L08"]
    for task in group.tasks:
        assert all(ind.id.startswith(task.code + "-") for ind in task.indicators)


def test_every_indicator_has_a_lead_department(plan: Plan) -> None:
    departments = {u.name for u in plan.units if u.kind is OrgKind.DEPARTMENT}
    for ind in plan.indicators():
        assert ind.lead_unit in departments, ind.id
        assert set(ind.co_units) <= departments, ind.id
