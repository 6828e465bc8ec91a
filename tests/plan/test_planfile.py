"""Plan files: one clear, located error per fault, and a lossless round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from duban.plan.planfile import PlanFileError, Problem, dump_plan, parse_plan_text, read_plan_file

REPO = Path(__file__).parents[2]
PLAN_FILE = REPO / "src/duban/data/plans/zhaotong-2026.yaml"
FOUR_FAULTS = REPO / "tests/data/plans/zhaotong-2026-four-faults.yaml"
NAME = "broken.yaml"
DEFAULT_TEXT = PLAN_FILE.read_text(encoding="utf-8")


def broken_copy(old: str, new: str) -> str:
    """The default plan with one snippet replaced; the snippet must occur exactly once."""
    assert DEFAULT_TEXT.count(old) == 1, f"snippet not unique in the default plan: {old!r}"
    return DEFAULT_TEXT.replace(old, new)


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """1-based line of the nth line containing `marker`."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    return hits[occurrence - 1]


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(PlanFileError) as caught:
        parse_plan_text(text, name=NAME)
    return caught.value.problems


# (case, old snippet, new snippet, (marker of the expected line, which occurrence), field part, message part)
FAULTS = [
    (
        "wrong unit",
        '            unit: 户\n            comparator: ">="\n            target: 200\n',
        '            unit: 亿户\n            comparator: ">="\n            target: 200\n',
        ("unit: 亿户", 1),
        "[A-06].unit（计量单位）",
        "未知计量单位“亿户”",
    ),
    (
        "percentage with a count unit",
        '            name: 产业投资占比\n            kind: share\n            unit: "%"\n',
        "            name: 产业投资占比\n            kind: share\n            unit: 个\n",
        ("- id: A-04", 1),
        "indicators[A-04]",
        "占比类指标的单位应为 %",
    ),
    (
        "bad comparator",
        '            comparator: "="\n            target: 3\n',
        '            comparator: "=>"\n            target: 3\n',
        ('comparator: "=>"', 1),
        "[A-07].comparator（比较方式）",
        "“=>”无效",
    ),
    (
        "unknown county in a breakdown",
        "绥江县: 26, 镇雄县: 262",
        "绥江县: 26, 镇雄: 262",
        ("- id: A-03", 1),
        "[A-03].breakdown（目标分解）",
        "未知单位“镇雄”",
    ),
    (
        "unknown lead unit",
        "            target: 200000000   # 2亿元\n            aspiration: true\n            lead_unit: 市商务局\n",
        "            target: 200000000   # 2亿元\n            aspiration: true\n            lead_unit: 市商务厅\n",
        ("- id: A-08", 1),
        "[A-08].lead_unit（牵头单位）",
        "未知单位“市商务厅”",
    ),
    (
        "equal breakdown that does not add up",
        '绥江县: 5, 镇雄县: 52, 彝良县: 19, 威信县: 14, 水富市: 4}\n            quote: "新增**200',
        '绥江县: 5, 镇雄县: 50, 彝良县: 19, 威信县: 14, 水富市: 4}\n            quote: "新增**200',
        ("- id: L06-2", 1),
        "[L06-2].breakdown（目标分解）",
        "分解合计 198 与市级目标 200 不一致",
    ),
    (
        "at-least breakdown below the target",
        "绥江县: 18, 镇雄县: 183",
        "绥江县: 18, 镇雄县: 180",
        ("- id: A-09", 1),
        "[A-09].breakdown（目标分解）",
        "分解合计 697 低于市级目标 700",
    ),
    (
        "duplicate id",
        "          - id: A-06\n",
        "          - id: A-03\n",
        ("- id: A-03", 2),
        "[A-03].id（编号）",
        "编号“A-03”重复",
    ),
    (
        "YAML syntax error",
        "            kind: count\n            unit: 条\n",
        "            kind: count\n          unit: 条\n",
        ("          unit: 条", 1),
        "YAML",
        "格式错误",
    ),
    (
        "missing field",
        "            name: 新创建AAAA级景区数\n            kind: count\n            unit: 个\n",
        "            name: 新创建AAAA级景区数\n            kind: count\n",
        ("- id: A-13", 1),
        "[A-13].unit（计量单位）",
        "缺少必填字段",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "where", "field", "message"), [case[1:] for case in FAULTS], ids=[c[0] for c in FAULTS]
)
def test_one_located_error_per_fault(
    old: str, new: str, where: tuple[str, int], field: str, message: str
) -> None:
    text = broken_copy(old, new)
    (problem,) = problems_of(text)
    assert problem.file == NAME
    assert problem.line == line_of(text, *where)
    assert field in problem.field
    assert message in problem.message
    assert str(problem).startswith(f"{NAME}:{problem.line}: ")


def test_four_faults_in_one_file_give_four_errors() -> None:
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(FOUR_FAULTS)
    problems = caught.value.problems
    assert all(p.file == str(FOUR_FAULTS) and p.line for p in problems)
    assert sorted(p.field.split("（")[0].split(".")[-1].strip() for p in problems) == [
        "breakdown",
        "breakdown",
        "comparator",
        "unit",
    ]
    assert [p.message[:6] for p in problems if "breakdown" in p.field] == ["未知单位“镇", "分解合计 1"]


def test_schema_error_does_not_raise_a_dangling_same_as() -> None:
    text = broken_copy(
        "            name: 基础教育新增学位数\n            kind: count\n            unit: 个\n",
        "            name: 基础教育新增学位数\n            kind: count\n            unit: 亿个\n",
    )
    (problem,) = problems_of(text)
    assert "[A-23].unit" in problem.field


def test_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(tmp_path / "absent.yaml")
    (problem,) = caught.value.problems
    assert problem.line is None and "无法读取" in problem.message


def test_default_plan_round_trips_through_dump() -> None:
    plan = read_plan_file(PLAN_FILE)
    dumped = dump_plan(plan)
    again = parse_plan_text(dumped, name="dumped.yaml")
    assert again == plan
    assert dump_plan(again) == dumped
