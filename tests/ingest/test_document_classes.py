"""Whole small documents, one layout class per row: (text, the targets expected as value/unit/comparator)."""

from pathlib import Path

import pytest

from duban.ingest.service import ingest_document


def targets(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    return [(str(i.target), i.unit, i.comparator.value) for i in ingest_document(path=path).plan.indicators()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a bullet before a heading that names a year and a part of the report: the review ends there
        (
            "政府工作报告摘要\n■ 2024年成绩单\n●预计全省地区生产总值增长6%左右\n●粮食总产达到557亿斤\n"
            "■ 2025年主要预期目标\n●经济增长6%左右\n●粮食产量继续保持500亿斤以上\n",
            [("6", "%", "~"), ("50000000000", "斤", ">=")],
        ),
        # a paragraph that ends with its reporter's name is a paragraph, not a photo caption
        (
            "某县确定今年为民十件实事\n这10件实事分别为:一是新增停车位300个;二是床位不少于150个。(特约记者张三)\n",
            [("300", "个", "="), ("150", "个", ">=")],
        ),
        # a lead paragraph introducing a 实事 list: its rows are plans, 建成 included
        (
            "1月23日,某县人民代表大会依法票决确定2025年某县民生实事项目,共3项,分别是:\n序号 | 项目名称 |\n"
            "1 | 名医下乡项目:建设名医基层工作站5个 |\n2 | 新市民项目:建成2家新市民服务中心,服务新市民2万人次以上 |\n",
            [("5", "个", "="), ("2", "家", "="), ("20000", "人次", ">=")],
        ),
        # (n) items run on one line; 总投资…的项目 is the size of a project
        (
            "县政府将重点抓好3件大事。分别是: (1)加快建设总投资7.58亿元的县医院迁建项目。 "
            "(2)新建行政村公共厕所120座。 (3)积极引导1000名以上高校毕业生到基层就业。\n",
            [("120", "座", "="), ("1000", "名", ">=")],
        ),
        # a progress table: the county heading its rows scopes them; 完成…,完成率… is progress; '*2.' and
        # '3.90%' after item 2 are items 2 and 3 (90%, not 3.90%)
        (
            "2023年3月份各县区进展情况表\n县区 项目名称 年度目标任务 完成进度\n寿县 一、就业促进行动\n"
            "*1.开发公益性岗位540个 完成838个,完成率155.19%\n*2.新增技能人才4000人 完成736人,完成率18.04%\n"
            "3.90%的二级综合医院单独设置口腔科 已完成\n",
            [("540", "个", "="), ("4000", "人", "="), ("90", "%", "=")],
        ),
    ],
)
def test_document_classes(tmp_path: Path, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert targets(tmp_path, text) == expected


def test_a_county_heading_rows_scopes_them(tmp_path: Path) -> None:
    path = tmp_path / "progress.txt"
    path.write_text("各县区进展情况表\n寿县 一、就业促进行动\n1.开发公益性岗位540个 完成838个,完成率155.19%\n",
                    encoding="utf-8")  # fmt: skip
    plan = ingest_document(path=path).plan
    assert [i.scope.shorthand() for i in plan.indicators()] == ["寿县"]
    assert "寿县" in {u.name for u in plan.units}


def test_bullets_are_not_part_of_indicator_names(tmp_path: Path) -> None:
    path = tmp_path / "goals.txt"
    path.write_text("主要预期目标\n●经济增长6%左右\n▶新增公共停车位800个。\n", encoding="utf-8")
    assert [i.name for i in ingest_document(path=path).plan.indicators()] == ["经济增长", "新增公共停车位"]
