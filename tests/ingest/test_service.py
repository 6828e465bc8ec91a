"""Whole documents against their gold annotations, and the drafts as plan files."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from duban.ingest.evaluate import evaluate, format_evaluation
from duban.ingest.service import ingest_document
from duban.plan.planfile import dump_plan, parse_plan_text

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
DOCUMENTS = [
    ("seed/zhaotong-2026.txt", "seed/zhaotong-2026.targets.json"),
    ("linyuan-2026-report.txt", "linyuan-2026-report.targets.json"),
    ("liyang-2026-livelihood.txt", "liyang-2026-livelihood.targets.json"),
    ("xiangnan-2026-breakdown.txt", "xiangnan-2026-breakdown.targets.json"),
    ("qingxi-2026-county.gb18030.txt", "qingxi-2026-county.targets.json"),
]


@pytest.mark.parametrize(("document", "gold"), DOCUMENTS)
def test_precision_recall_and_no_past_or_scales(document: str, gold: str) -> None:
    result = ingest_document(path=DATA / document)
    evaluation = evaluate(result=result, gold_path=DATA / gold)
    report = "\n".join(format_evaluation(evaluation))
    assert evaluation.precision >= 0.95, report
    assert evaluation.recall >= 0.95, report
    assert len(evaluation.past_taken) <= 1, report
    assert evaluation.scales_taken == [], report


@pytest.mark.parametrize(("document", "gold"), DOCUMENTS)
def test_draft_is_a_valid_plan_file(document: str, gold: str) -> None:
    plan = ingest_document(path=DATA / document).plan
    again = parse_plan_text(dump_plan(plan))
    assert [i.id for i in again.indicators()] == [f"T{n:03d}" for n in range(1, len(plan.indicators()) + 1)]
    assert again.year == 2026


@pytest.mark.parametrize(("document", "gold"), DOCUMENTS)
def test_quotes_point_into_the_original_file(document: str, gold: str) -> None:
    result = ingest_document(path=DATA / document)
    for indicator in result.plan.indicators():
        assert indicator.offset is not None and indicator.quote
        start = indicator.offset
        assert result.source_text[start : start + len(indicator.quote)] == indicator.quote
        assert result.source_text.count("\n", 0, start) + 1 == indicator.line


@pytest.mark.parametrize(
    ("document", "region", "counties"),
    [
        ("seed/zhaotong-2026.txt", "昭通市", ["鲁甸县", "镇雄县"]),
        ("linyuan-2026-report.txt", "临沅市", ["桃源县", "石门县"]),
        ("xiangnan-2026-breakdown.txt", "湘南市", ["安化县"]),
        ("qingxi-2026-county.gb18030.txt", "青溪县", []),
    ],
)
def test_region_and_counties(document: str, region: str, counties: list[str]) -> None:
    plan = ingest_document(path=DATA / document).plan
    assert (plan.region, [u.name for u in plan.counties()]) == (region, counties)


def test_structure_of_the_seed() -> None:
    plan = ingest_document(path=DATA / "seed/zhaotong-2026.txt").plan
    livelihood = [a for a in plan.areas if "惠民实事" in a.name]
    assert [t.title for t in livelihood[0].tasks][:2] == [
        "推行“以工代赈”模式,推动群众持续增收",
        "建好农村公路,改善群众出行条件",
    ]
    by_value = {(i.target, i.unit): i for i in plan.indicators()}
    assert by_value[(Decimal(1), "家")].scope.shorthand() == "each:counties"


def test_lead_units_from_a_breakdown_table() -> None:
    plan = ingest_document(path=DATA / "xiangnan-2026-breakdown.txt").plan
    leads = {i.name: i.lead_unit for i in plan.indicators()}
    assert leads["新增城镇就业"] == "市人社局"
    assert "市人社局" in plan.unit_names()


def test_evaluation_lists_mismatches(tmp_path: Path) -> None:
    gold = json.loads((DATA / "linyuan-2026-report.targets.json").read_text(encoding="utf-8"))
    gold["targets"][0]["value"] = 5.6
    wrong = tmp_path / "gold.json"
    wrong.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    evaluation = evaluate(result=ingest_document(path=DATA / "linyuan-2026-report.txt"), gold_path=wrong)
    lines = format_evaluation(evaluation)
    assert (len(evaluation.missed), len(evaluation.extra)) == (1, 1)
    assert lines[-3].startswith("precision") and lines[-2].startswith("recall") and "past" in lines[-1]


def test_chinese_numbered_livelihood_items_are_tasks(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(
        "某市2026年十件民生实事\n\n一、新增城镇就业。全年城镇新增就业3万人。\n\n二、农村供水。农村自来水普及率达到92%。\n",
        encoding="utf-8",
    )
    plan = ingest_document(path=path).plan
    assert [(a.name, a.livelihood) for a in plan.areas] == [("某市2026年十件民生实事", True)]
    assert [(t.title, [i.target for i in t.indicators]) for t in plan.areas[0].tasks] == [
        ("新增城镇就业", [Decimal(30000)]),
        ("农村供水", [Decimal(92)]),
    ]
