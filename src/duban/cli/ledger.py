"""`duban ledger import | export | figures`: the 项目台账 from the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from duban.cli.runtime import YEAR_HELP, fail, plan_of, today, transaction

if TYPE_CHECKING:
    from duban.projects.figures import LedgerFigures


def ledger_import(
    file: Path = typer.Argument(..., help="项目台账工作簿（.xlsx）"),
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
) -> None:
    """把项目台账工作簿导入当前年度计划（或 --year 指定年度）的项目库；任何一行有错则一个也不导入。"""
    from duban.exchange.ledger import LedgerError
    from duban.exchange.ledger_import import import_ledger

    with transaction() as session:
        plan_row = plan_of(session, year)
        try:
            summary = import_ledger(session=session, plan_row=plan_row, data=file.read_bytes())
        except LedgerError as exc:
            for problem in exc.problems:
                typer.echo(problem, err=True)
            typer.echo(f"共 {len(exc.problems)} 处错误，未导入任何内容。", err=True)
            raise typer.Exit(1) from exc
    typer.echo(
        f"已导入项目台账：新增 {summary.created} 个，更新 {summary.updated} 个，未变 {summary.unchanged} 个。"
    )


def ledger_export(
    output: Path = typer.Argument(..., help="写入的工作簿（.xlsx）"),
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
) -> None:
    """把当前年度计划（或 --year 指定年度）的项目库导出为项目台账工作簿（金额单位：万元）。"""
    from duban.exchange.ledger import write_ledger
    from duban.services.projects import load_projects

    with transaction() as session:
        plan_row = plan_of(session, year)
        projects = load_projects(session=session, plan_id=plan_row.id)
        output.write_bytes(write_ledger(projects, title=f"{plan_row.region}{plan_row.year}年重点项目台账"))
    typer.echo(f"已导出 {len(projects)} 个项目到 {output}")


def ledger_figures(
    date: str | None = typer.Option(None, help="统计日期 YYYY-MM-DD；默认今天"),
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
) -> None:
    """打印全市和各县的项目库统计，并对照计划目标列出全市的完成情况。"""
    from duban.projects.figures import against_targets
    from duban.projects.lights import red_projects
    from duban.services.projects import load_projects, plan_ledger_figures

    on = _date(date)
    with transaction() as session:
        plan_row = plan_of(session, year)
        figures = plan_ledger_figures(session=session, plan_id=plan_row.id, on=on)
        red = red_projects(load_projects(session=session, plan_id=plan_row.id), year=plan_row.year, on=on)
    typer.echo(f"项目库统计（截至 {on}，投资数据截至 {next(iter(figures.values())).through_month} 月底）")
    typer.echo("单位\t项目数\t新开工\t开工率%\t入库率%\t投资完成率%\t序时进度%\t产业占比%\t民间占比%")
    for unit_figures in figures.values():
        typer.echo(_line(unit_figures))
    for line in against_targets(next(iter(figures.values()))):
        typer.echo(
            f"{line.label}：{_show(line.value)} / 目标 {line.target} {'已达到' if line.met else '未达到'}"
        )
    typer.echo(f"红灯项目 {len(red)} 个" + "".join(f"\n  {r.project.county} {r.project.name}({r.project.owner}):"
                                                 f"{'、'.join(r.reasons)}红灯" for r in red[:20]))  # fmt: skip


def _line(f: LedgerFigures) -> str:
    values = (f.projects, f.new_starts, f.start_rate, f.registration_rate, f.completion_rate, f.expected_rate,
              f.industrial_share, f.private_share)  # fmt: skip
    return "\t".join([f.unit, *(_show(v) for v in values)])


def _show(value: object) -> str:
    return "—" if value is None else str(value)


def _date(text: str | None) -> dt.date:
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            fail(f"日期“{text}”无效，应为 YYYY-MM-DD")
    return today()
