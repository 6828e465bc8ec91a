"""`duban ingest FILE -o draft.yaml [--evaluate GOLD.json]`, as a Typer-compatible function."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from duban.ingest.service import IngestResult


def ingest_command(
    file: Path = typer.Argument(..., help="计划文档：.txt（UTF-8/GB18030）、.docx 或带文字层的 .pdf"),
    output: Path | None = typer.Option(None, "-o", "--output", help="草案计划文件（YAML）的写出路径"),
    evaluate: Path | None = typer.Option(
        None, "--evaluate", help="标注文件（JSON）：打印准确率、召回率和不一致之处"
    ),
    explain: bool = typer.Option(False, "--explain", help="逐个列出文中数字：是否取为目标，以及原因"),
) -> None:
    """从中文计划文档起草计划文件，每个目标都注明出自哪一句。"""
    from duban.ingest.errors import IngestError
    from duban.ingest.evaluate import evaluate as evaluate_draft
    from duban.ingest.evaluate import format_evaluation
    from duban.ingest.explain import explain as explain_numbers
    from duban.ingest.service import ingest_document

    try:
        result = ingest_document(path=file)
        if explain:
            for line in explain_numbers(result):
                typer.echo(line)
        if output is not None or not explain:
            _write_draft(result, output)
        if evaluate is not None:
            for line in format_evaluation(evaluate_draft(result=result, gold_path=evaluate)):
                typer.echo(line)
    except IngestError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(1) from exc


def _write_draft(result: IngestResult, output: Path | None) -> None:
    from duban.ingest.errors import IngestError
    from duban.plan.planfile import dump_plan

    text = dump_plan(result.plan)
    if output is None:
        typer.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise IngestError(f"无法写出草案文件“{output}”：{exc.strerror or exc}") from exc
    flagged = sum(1 for i in result.plan.indicators() if i.flags)
    typer.echo(f"抽取目标 {len(result.plan.indicators())} 个，其中 {flagged} 个需人工复核", err=True)
    for problem in result.problems:
        typer.echo(f"提示：{problem}", err=True)
