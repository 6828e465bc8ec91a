"""`duban year`: the year-end close (年终考核), its reopening, and the 考核结果 files."""

from __future__ import annotations

from pathlib import Path

import typer

from duban.cli.runtime import YEAR_HELP, fail, get_settings, plan_of, today, transaction


def close_command(
    year: int = typer.Option(..., "--year", help="要年终考核关闭的计划年度，如 2026"),
    reason: str = typer.Option("年终考核", "--reason", help="关闭理由，记入审计记录"),
    close_items: bool = typer.Option(
        False, "--close-items", help="未办结的督办单一律办结（默认：下一年度计划有同一指标的结转，其余办结）"
    ),
) -> None:
    """年终考核关闭某年度：锁定全部报送期和最终数据，处理未办结的督办单；已关闭则不再改动。"""
    from duban.choices import ItemFate
    from duban.services.periods import WorkflowError, ensure_periods
    from duban.services.yearclose import close_preview, close_year

    settings = get_settings()
    with transaction(settings) as session:
        plan_row = plan_of(session, year, settings)
        ensure_periods(session=session, plan=plan_row, cutoff_day=settings.cutoff_day,
                       combine_jan_feb=settings.combine_jan_feb)  # fmt: skip  # a period made later would be open
        preview = close_preview(session=session, plan_row=plan_row, today=today(settings))
        fates = {c.id: ItemFate.CLOSE for c in preview.items} if close_items else None
        try:
            done = close_year(session=session, plan_row=plan_row, user_id=None, today=today(settings),
                              reason=reason, fates=fates)  # fmt: skip
        except WorkflowError as exc:
            fail(str(exc))
    if not done:
        typer.echo(f"{year}年度已于此前年终考核关闭，未作改动")
        return
    carried = sum(1 for c in preview.items if (fates or {}).get(c.id, c.proposed) is ItemFate.CARRY)
    typer.echo(f"已年终考核关闭{year}年度：锁定报送期{len(preview.to_lock)}个，"
               f"督办单结转{carried}件、办结{len(preview.items) - carried}件")  # fmt: skip
    if preview.unreviewed:
        typer.echo(f"注意：有{preview.unreviewed}条数据未审核通过，不计入考核结果", err=True)


def reopen_command(
    year: int = typer.Option(..., "--year", help="要重新开放的计划年度，如 2026"),
    reason: str = typer.Option(..., "--reason", help="重新开放的理由，记入审计记录"),
) -> None:
    """重新开放已年终考核关闭的年度（须说明理由）：解除关闭时锁定的报送期。"""
    from duban.services.periods import WorkflowError
    from duban.services.yearclose import reopen_year

    settings = get_settings()
    with transaction(settings) as session:
        plan_row = plan_of(session, year, settings)
        try:
            done = reopen_year(
                session=session, plan_row=plan_row, user_id=None, today=today(settings), reason=reason
            )
        except WorkflowError as exc:
            fail(str(exc))
    typer.echo(f"已重新开放{year}年度" if done else f"{year}年度未年终考核关闭，未作改动")


def result_command(
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
    format: str = typer.Option("docx,xlsx", "--format", help="输出格式，逗号分隔：docx,xlsx,pdf"),
    output: Path = typer.Option(Path("."), "-o", "--output", help="输出文件夹"),
    number: int | None = typer.Option(None, "--number", help="文号序号"),
) -> None:
    """生成某年度的年度通报 / 考核结果（县区排名与完成情况），每种格式一个文件。"""
    from duban.cli.report import write_files
    from duban.reports.options import ReportError, parse_formats
    from duban.reports.year_service import year_file_name, year_result_bulletin

    settings = get_settings()
    try:
        formats = parse_formats(format)
        with transaction(settings) as session:
            bulletin = year_result_bulletin(session=session, year=year, today=today(settings), number=number)
    except ReportError as exc:
        fail(str(exc))
    write_files(bulletin=bulletin, formats=formats, output=output, name=year_file_name)
