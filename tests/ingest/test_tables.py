"""Progress and breakdown tables: only the target column holds targets; bare figures take the 单位 column."""

from pathlib import Path

import pytest

from duban.ingest.service import ingest_document


def targets_and_past(tmp_path: Path, rows: list[str]) -> tuple[list[tuple[str, str, str]], list[str]]:
    path = tmp_path / "table.txt"
    path.write_text("临沅市2026年民生实事进展情况表\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = ingest_document(path=path)
    found = [(str(i.target), i.unit, i.comparator.value) for i in result.plan.indicators()]
    past = [f"{item.value}{item.unit}" for item in result.items if item.status == "past"]
    return found, past


@pytest.mark.parametrize(
    ("rows", "targets", "past"),
    [
        (
            ["序号\t项目\t全年目标\t1—10月完成\t1—11月完成", "1\t新增养老床位\t800张\t620张\t700张"],
            [("800", "张", "=")],
            ["620张", "700张"],
        ),
        (
            [
                "序号\t考核指标\t单位\t工作目标\t已完成数\t占年任务之比",
                "1\t城镇新增就业\t万人\t5.2\t4.8\t92.3%",
            ],
            [("52000", "人", "=")],
            ["48000人", "92.3%"],
        ),
        (
            ["序号\t考核指标\t单位\t工作目标\t已完成数", "2\t提高低保标准\t元/月/人\t不低于60元\t60元"],
            [("60", "元/月/人", ">=")],
            ["60元"],
        ),
        (
            ["序号\t考核指标\t单位\t工作目标\t已完成数", "3\t减少大班额1.4万个以上\t\t869\t1022"],
            [("14000", "个", ">="), ("869", "个", "=")],
            ["1022个"],
        ),
    ],
)
def test_progress_tables(
    tmp_path: Path, rows: list[str], targets: list[tuple[str, str, str]], past: list[str]
) -> None:
    assert targets_and_past(tmp_path, rows) == (targets, past)


def test_a_progress_table_printed_one_cell_per_line(tmp_path: Path) -> None:
    header = ["序号", "项目", "全年目标", "1—10月完成", "1—11月完成"]
    rows = ["1", "新增养老床位", "800张", "620张", "\n700张", "2", "改造老旧小区", "120个", "96个", "118个"]
    found, past = targets_and_past(tmp_path, header + rows)
    assert found == [("800", "张", "="), ("120", "个", "=")]
    assert past == ["620张", "700张", "96个", "118个"]
