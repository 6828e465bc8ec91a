import re
from pathlib import Path

import typer
from typer.testing import CliRunner

from duban.cli.ingest import ingest_command
from duban.plan.planfile import read_plan_file

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"


def app() -> typer.Typer:
    application = typer.Typer()
    application.command("ingest")(ingest_command)
    application.command("version")(lambda: None)  # a second command makes Typer keep the sub-command name
    return application


def test_writes_the_draft_and_evaluates(tmp_path: Path) -> None:
    out = tmp_path / "draft.yaml"
    gold = DATA / "seed" / "zhaotong-2026.targets.json"
    result = CliRunner().invoke(app(), ["ingest", str(DATA / "seed" / "zhaotong-2026.txt"), "-o", str(out),
                                        "--evaluate", str(gold)])  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-3].startswith("precision") and lines[-2].startswith("recall")
    assert lines[-1].startswith("past taken 过去数值误抽：0；scales taken 项目规模误抽：0")
    assert len(read_plan_file(out).indicators()) >= 50


def test_prints_yaml_without_output_option() -> None:
    result = CliRunner().invoke(app(), ["ingest", str(DATA / "liyang-2026-livelihood.txt")])
    assert result.exit_code == 0
    assert result.stdout.startswith("region: 澧阳市\nyear: 2026\n")


def test_unreadable_file_exits_1_with_chinese_message(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(app(), ["ingest", str(empty)])
    assert result.exit_code == 1
    assert "空文件" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_bad_gold_file_is_a_clear_error(tmp_path: Path) -> None:
    gold = tmp_path / "gold.json"
    gold.write_text("[1, 2]", encoding="utf-8")
    result = CliRunner().invoke(
        app(), ["ingest", str(DATA / "liyang-2026-livelihood.txt"), "--evaluate", str(gold)]
    )
    assert result.exit_code == 1
    assert "标注文件" in result.stderr


def test_explain_says_why_each_number_was_or_was_not_taken() -> None:
    document = DATA / "real" / "fuzhou-2022-report.txt"
    result = CliRunner().invoke(app(), ["ingest", str(document), "--explain"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(
        re.match(r"第5行 800万标箱 → 目标 T\d+ 福州港集装箱吞吐量 > 8000000标箱 \[city\]", line)
        for line in lines
    )
    assert "第2行 43715元 → 不取·过去数值：上一年的预计数" in lines
    assert "第4行 290件 → 不取·过去数值：“…年来”“…以来”：一段时间以来的成绩" in lines
    assert "第3行 7 → 未读：日期或年份" in lines
    assert not result.stdout.startswith("region:")  # the explanation replaces the YAML unless -o is given
