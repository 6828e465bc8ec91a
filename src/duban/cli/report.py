"""`duban report`: write the 督查通报 of a month as Word, PDF and/or Excel files.

A PDF is made in a second process, forked before the services and the store are imported: it imports
WeasyPrint and loads the CJK fonts while this one imports them and reads the store, then lays the PDF out while
this one writes Word and Excel (two cores; the PDF alone is most of a cold command).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
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
    from duban.reports.options import ReportError, parse_date, parse_formats, parse_number

    settings = get_settings()
    try:
        formats = parse_formats(format)
        day, taken = (parse_date(issued) if issued else None), parse_number(number)
        with pdf_process(formats) as pdf:
            # after the fork, so that the PDF's process neither imports nor copies the services and SQLAlchemy
            from duban.reports.service import bulletin_for, file_name

            with transaction(settings) as session:
                bulletin = bulletin_for(session=session, period=period, unit=unit, today=today(settings),
                                        number=taken, issued=day)  # fmt: skip
            write_files(bulletin=bulletin, formats=formats, output=output, name=file_name, pdf=pdf)
    except ReportError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


@contextmanager
def pdf_process(formats: list[str]) -> Iterator[Executor | None]:
    """A forked process warming WeasyPrint and its fonts up when `formats` asks for a PDF (else None)."""
    if "pdf" not in formats:
        yield None
        return
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # Forked before the store's and the services' imports: the child imports WeasyPrint and loads the fonts
    # while this process imports SQLAlchemy and reads the store, and copies none of it. Without the cycle
    # collector: its full passes over the imported modules' objects were 0.3–0.7 s of a first PDF's 1.5–2.2 s
    # CPU, and the process ends after one PDF (peak memory the same).
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=fork, initializer=gc.disable) as pool:
        pool.submit(warm_up)
        yield pool


def warm_up() -> None:
    """In the PDF's process: WeasyPrint imported, its fonts loaded (the other renderers are not this process's)."""
    from duban.reports.pdf import render_one_line

    render_one_line()


def write_files(
    *,
    bulletin: Bulletin,
    formats: list[str],
    output: Path,
    name: Callable[..., str],
    pdf: Executor | None = None,
) -> None:
    """Print the bulletin's warnings, then write it into `output` once per format, named by `name`; the PDF in
    `pdf`'s process when given, beside the others."""
    for warning in bulletin.warnings:
        typer.echo(f"注意：{warning}", err=True)
    output.mkdir(parents=True, exist_ok=True)
    paths = {fmt: output / name(bulletin=bulletin, fmt=fmt) for fmt in formats}
    beside: dict[str, Future[None]] = {}
    if pdf is not None and "pdf" in paths:
        beside["pdf"] = pdf.submit(write_pdf, bulletin=bulletin, path=paths["pdf"])
    for fmt in formats:
        if fmt not in beside:
            write_file(bulletin=bulletin, fmt=fmt, path=paths[fmt])
    for fmt in formats:
        if fmt in beside:
            beside[fmt].result()
        typer.echo(f"已生成 {paths[fmt]}")


def write_file(*, bulletin: Bulletin, fmt: str, path: Path) -> None:
    """The bulletin as `fmt`, written to `path`."""
    from duban.reports.files import render

    path.write_bytes(render(bulletin=bulletin, fmt=fmt))


def write_pdf(*, bulletin: Bulletin, path: Path) -> None:
    """The bulletin as PDF, written to `path` (by the PDF's process, which imports no other renderer)."""
    from duban.reports.pdf import render_pdf

    path.write_bytes(render_pdf(bulletin=bulletin))
