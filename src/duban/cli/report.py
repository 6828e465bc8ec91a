"""`duban report`: write the 督查通报 of a month as Word, PDF and/or Excel files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from duban.cli.runtime import get_settings, today, transaction

if TYPE_CHECKING:
    from duban.reports.model import Bulletin


def report_command(
    period: str = typer.Option(..., "--period", help="通报月份，例如 2026-06（统计1月至该月）"),
    unit: str | None = typer.Option(None, "--unit", help="县（市、区）名称；给出时生成该县的通报"),
    format: str = typer.Option("docx,pdf,xlsx", "--format", help="输出格式，逗号分隔：docx，pdf，xlsx"),
    output: Path = typer.Option(Path("."), "-o", "--output", help="输出文件夹"),
    number: str | None = typer.Option(
        None, "--number", help="文号序号：12 → 〔2026〕12号；auto 取本年下一个号"
    ),
    issued: str | None = typer.Option(None, "--date", help="成文日期，例如 2026-11-30；默认今天"),
) -> None:
    """生成某月的全市（或某县）督查通报，每种格式一个文件，写入输出文件夹。"""
    from duban.reports.service import (
        ReportError,
        bulletin_for,
        file_name,
        parse_date,
        parse_formats,
        parse_number,
    )  # fmt: skip

    settings = get_settings()
    try:
        formats = parse_formats(format)
        day = parse_date(issued) if issued else None
        with transaction(settings) as session:
            bulletin = bulletin_for(session=session, period=period, unit=unit, today=today(settings),
                                    number=parse_number(number), issued=day)  # fmt: skip
    except ReportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    write_files(bulletin=bulletin, formats=formats, output=output, name=file_name)


def write_files(*, bulletin: Bulletin, formats: list[str], output: Path, name: Callable[..., str]) -> None:
    """Print the bulletin's warnings, then write it into `output` once per format, named by `name`."""
    from duban.reports.service import render

    for warning in bulletin.warnings:
        typer.echo(f"注意：{warning}", err=True)
    output.mkdir(parents=True, exist_ok=True)
    for fmt in formats:
        path = output / name(bulletin=bulletin, fmt=fmt)
        path.write_bytes(render(bulletin=bulletin, fmt=fmt))
        typer.echo(f"已生成 {path}")
