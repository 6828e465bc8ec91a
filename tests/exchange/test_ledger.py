"""The 项目台账 workbook: office layouts in, planted faults refused row by row, the same shape out."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from ruamel.yaml import YAML
from sqlalchemy.orm import Session

from builders import COUNTIES, make_plan
from duban.choices import InvestorType, LabelledEnum, ProjectCategory, ProjectKind
from duban.exchange.ledger import (
    LedgerError,
    escape_formula,
    field_of,
    parse_amount,
    parse_choice,
    parse_county,
    parse_date,
    parse_flag,
    read_ledger,
    write_ledger,
)
from duban.exchange.ledger_import import import_ledger
from duban.projects.model import Project
from duban.services.plan_loading import save_plan
from duban.services.projects import load_projects, save_projects

DATA = Path(__file__).parents[1] / "data" / "ledger"
FAULTS = [
    "第6行：F列（总投资（亿元））“五十亿”不是金额",
    "第7行：E列（所属县区）“宣威市”不是本市的县（市、区）",
    "第8行：I列（开工时间实际）“2026-13-01”不是有效日期",
    "第9行：K列（项目类型）“工业”不是可选值（产业、基础设施、社会民生、生态环保、其他）",
    "第10行：年度计划投资大于总投资",
    "第11行：项目编号“P1”与第5行重复",
    "第12行：实际入库日期 2026-04-05 早于实际开工日期 2026-05-01",
    "第13行：S列（2026年1-6月完成投资（万元）4月）“-500”不是有效金额（不能为负数）",
    "第14行：C列（项目名称）不能为空；M列（“两重”项目）“有”应填“是”或“否”",
]


def sample_projects() -> list[Project]:
    items = YAML(typ="safe").load((DATA / "sample.yaml").read_text("utf-8"))
    return [Project.model_validate(item) for item in items]


def test_an_office_workbook_imports_correctly() -> None:
    projects = read_ledger((DATA / "county-ledger.xlsx").read_bytes(), counties=COUNTIES)
    expected = {p.code: p for p in sample_projects()}
    del expected["P1"].monthly[7]  # the workbook has January–June only
    assert [p.code for p in projects] == ["P3", "P1", "P2", "P4", "P5", "P6", "P7"]
    assert {p.code: p for p in projects} == expected


def test_a_faulty_workbook_is_refused_row_by_row() -> None:
    with pytest.raises(LedgerError) as caught:
        read_ledger((DATA / "faulty-ledger.xlsx").read_bytes(), counties=COUNTIES)
    assert caught.value.problems == FAULTS


def test_a_refused_import_changes_nothing(session: Session) -> None:
    plan_row = save_plan(session=session, plan=make_plan())
    save_projects(session=session, plan_row=plan_row, projects=sample_projects()[:2])
    before = load_projects(session=session, plan_id=plan_row.id)
    with pytest.raises(LedgerError):
        import_ledger(session=session, plan_row=plan_row, data=(DATA / "faulty-ledger.xlsx").read_bytes())
    assert load_projects(session=session, plan_id=plan_row.id) == before


def test_import_saves_the_workbook(session: Session) -> None:
    plan_row = save_plan(session=session, plan=make_plan())
    summary = import_ledger(
        session=session, plan_row=plan_row, data=(DATA / "county-ledger.xlsx").read_bytes()
    )
    assert (summary.created, summary.updated) == (7, 0)
    assert len(load_projects(session=session, plan_id=plan_row.id)) == 7


def test_export_reads_back_the_same() -> None:
    data = write_ledger(sample_projects(), title="昭通市2026年重点项目台账")
    assert read_ledger(data, counties=COUNTIES) == sample_projects()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [sheet["L2"].value, sheet["N2"].value, sheet["N3"].value, sheet["L4"].value] == [
        "总投资（万元）", "用地时间", "计划", 500000,
    ]  # fmt: skip
    assert "N2:O2" in {str(r) for r in sheet.merged_cells.ranges}


def test_export_escapes_formulas_and_import_restores_them() -> None:
    project = sample_projects()[0]
    project.name, project.owner = '=HYPERLINK("http://x")', "@业主"
    data = write_ledger([project], title="台账")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert (sheet["C4"].value, sheet["C4"].data_type, sheet["J4"].value) == (
        '\'=HYPERLINK("http://x")',
        "s",
        "'@业主",
    )
    assert read_ledger(data, counties=COUNTIES)[0].name == '=HYPERLINK("http://x")'


def workbook(headers: list[str], rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [headers, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BASIC = ["项目编号", "项目名称", "县(市、区)", "项目类别", "建设性质", "业主单位", "投资主体"]


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ([*BASIC, "总投资", "年度计划投资(万元)"], "表头 H1“总投资”：未写明金额单位（万元或亿元）"),
        ([*BASIC[1:], "总投资(万元)", "年度计划投资(万元)"], "表头：缺少必填列 项目编号"),
        ([*BASIC, "总投资(万元)", "年度计划投资(万元)", "项目名称"], "表头 J1“项目名称”与 B 列重复"),
        (["序号", "名称"], "表头：前10行中没有找到“项目名称”列，无法识别台账表头"),
    ],
)
def test_header_faults(headers: list[str], problem: str) -> None:
    with pytest.raises(LedgerError) as caught:
        read_ledger(workbook(headers, []), counties=COUNTIES)
    assert problem in caught.value.problems


def test_a_single_header_row_and_a_yuan_column() -> None:
    row = ["X1", "水富港扩建", "水富", "基础设施", "续建", "水富市交通运输局", "国有", 300000000, 5000]
    [project] = read_ledger(workbook([*BASIC, "总投资(元)", "年度计划投资(万元)"], [row]), counties=COUNTIES)
    assert (project.county, project.total_investment, project.year_plan) == (
        "水富市",
        D(300000000),
        D(50000000),
    )


def test_something_that_is_not_a_workbook() -> None:
    with pytest.raises(LedgerError, match="无法读取工作簿"):
        read_ledger(b"not a workbook", counties=COUNTIES)


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("项目名称", "name"),
        ("项目代码", "code"),
        ("总投资(亿元)", "total"),
        ("2026年计划投资(万元)", "year_plan"),
        ("计划开工时间", "milestone:start:planned"),
        ("开工时间实际", "milestone:start:actual"),
        ("入库纳统计划日期", "milestone:registered:planned"),
        ("竣工投产时间实际", "milestone:completed:actual"),
        ("用地手续计划", "milestone:land:planned"),
        ("环评批复实际", "milestone:eia:actual"),
        ("立项时间计划", "milestone:approval:planned"),
        ("2026年1-6月完成投资(万元)3月", "month:3"),
        ("12月完成投资", "month:12"),
        ("累计完成投资(万元)", None),
        ("新开工/续建", "kind"),
        ("县(市、区)", "county"),
        ("“两重”项目", "two_major"),
        ("省级重大", "provincial_major"),
        ("投资主体", "investor"),
        ("序号", None),
        ("备注", None),
    ],
)
def test_field_of(label: str, field: str | None) -> None:
    assert field_of(label) == field


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-15", date(2026, 3, 15)),
        ("2026/3/5", date(2026, 3, 5)),
        ("2026.3.5", date(2026, 3, 5)),
        ("2026年3月5日", date(2026, 3, 5)),
        ("2026年2月", date(2026, 2, 28)),
        ("2026-02", date(2026, 2, 28)),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "3月5日", "明年", "2026-13"])
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="日期"):
        parse_date(text)


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        (1.5, D(100_000_000), D(150_000_000)),
        ("12,345.6", D(10_000), D(123_456_000)),
        (0.01, D(10_000), D(100)),
        (" ", D(10_000), None),
        (None, D(1), None),
    ],
)
def test_parse_amount(value: Any, scale: D, expected: D | None) -> None:
    assert parse_amount(value, scale) == expected


@pytest.mark.parametrize("value", ["五十亿", "-1", "NaN", True])
def test_parse_amount_refuses(value: Any) -> None:
    with pytest.raises(ValueError, match="金额"):
        parse_amount(value, D(1))


@pytest.mark.parametrize(
    ("text", "choices", "expected"),
    [
        ("产业项目", ProjectCategory, ProjectCategory.INDUSTRY),
        ("基础设施类", ProjectCategory, ProjectCategory.INFRASTRUCTURE),
        ("新建", ProjectKind, ProjectKind.NEW),
        ("续建", ProjectKind, ProjectKind.CONTINUING),
        ("民间投资", InvestorType, InvestorType.PRIVATE),
        ("民营", InvestorType, InvestorType.PRIVATE),
        ("外资", InvestorType, InvestorType.FOREIGN),
    ],
)
def test_parse_choice(text: str, choices: type[LabelledEnum], expected: LabelledEnum) -> None:
    assert parse_choice(text, choices) is expected


@pytest.mark.parametrize(("text", "value"), [("是", True), ("√", True), ("", False), ("否", False)])
def test_parse_flag(text: str, value: bool) -> None:
    assert parse_flag(text) is value


@pytest.mark.parametrize(("text", "county"), [("镇雄", "镇雄县"), ("水富市", "水富市")])
def test_parse_county(text: str, county: str) -> None:
    assert parse_county(text, COUNTIES) == county


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("=1+1", "'=1+1"), ("+86", "'+86"), ("-5", "'-5"), ("@SUM", "'@SUM"), ("镇雄", "镇雄")],
)
def test_escape_formula(text: str, escaped: str) -> None:
    assert escape_formula(text) == escaped
