"""`duban plan check | export | load | undo | revise`: a plan file in and out of the store.

A plan loaded again is shown as a diff and applied only with --yes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from duban.cli.runtime import YEAR_HELP, fail, plan_of, today, transaction

if TYPE_CHECKING:
    from datetime import date

    from duban.persistence.db import Session
    from duban.plan.model import Plan
    from duban.services.plan_revisions import PlanPreview, Touched


def check_command(file: Path = typer.Argument(..., help="计划文件（YAML）")) -> None:
    """检查计划文件；每处错误打印一行，有错误时退出码为 1。"""
    from duban.plan.planfile import PlanFileError, read_plan_file

    try:
        plan = read_plan_file(file)
    except PlanFileError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        fail(f"共 {len(exc.problems)} 处错误，未导入任何内容。")
    typer.echo(f"{file}：通过检查，{len(plan.areas)} 个方面，{len(plan.indicators())} 个指标。")


def export_command(
    output: Path | None = typer.Option(None, "-o", "--output", help="写入的文件；默认输出到屏幕"),
    year: int | None = typer.Option(None, "--year", help=YEAR_HELP),
) -> None:
    """把数据库中的计划写回为计划文件。"""
    from duban.plan.planfile import dump_plan
    from duban.services.plans import plan_from_store

    with transaction() as session:
        row = plan_of(session, year)
        text = dump_plan(plan_from_store(session=session, plan_row=row))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def revise_command(
    indicator: Annotated[str, typer.Argument(help="指标编号，如 A-03")],
    value: Annotated[str, typer.Argument(help="新目标值，如 1100")],
    from_month: Annotated[str, typer.Option("--from", help="生效月份，如 2026-07 或 7")],
    unit: Annotated[str | None, typer.Option(help="调整该单位的分解目标；不填则调整全市目标")] = None,
    reason: Annotated[str, typer.Option(help="调整理由（如人大批准的调整文件）")] = "",
    year: Annotated[int | None, typer.Option("--year", help=YEAR_HELP + ";--from 写明年份时为该年")] = None,
) -> None:
    """以督查室身份调整某月起的目标（立即生效）；此前各月仍按原目标。"""
    from duban.services.revise import revise_in_plan, year_named
    from duban.services.revisions import RevisionError

    try:
        with transaction() as session:
            plan_row = plan_of(session, year or year_named(from_month))
            change = revise_in_plan(session=session, plan_row=plan_row, indicator=indicator, value=value,
                                    from_month=from_month, unit=unit, reason=reason)  # fmt: skip
    except RevisionError as exc:
        fail(f"错误：{exc}")
    typer.echo(f"已调整：{change.sentence()}")


def load_command(
    file: Annotated[Path | None, typer.Argument(help="计划文件；默认为内置的昭通市2026年计划")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="确认修订：按显示的差异更新数据库中的计划")] = False,
    from_month: Annotated[
        str | None, typer.Option("--from", help="修订生效月份；默认为尚未截止的第一个月")
    ] = None,
    reason: Annotated[str, typer.Option(help="修订理由（记入修改记录）")] = "重新导入计划文件",
) -> None:
    """检查计划文件并导入数据库；再次导入时显示差异，加 --yes 才按差异修订。"""
    from duban.cli import default_plan_path
    from duban.plan.planfile import PlanFileError, Problem, line_in_file, read_plan_file
    from duban.services.plan_revisions import PlanRevisionError
    from duban.services.plans import UnitError
    from duban.services.revisions import RevisionError

    path = file or default_plan_path()
    try:
        plan = read_plan_file(path)
    except PlanFileError as exc:
        typer.echo(str(exc), err=True)
        fail(f"共 {len(exc.problems)} 处错误，未导入任何内容。")
    try:
        with transaction() as session:
            message = _load(session, plan, yes=yes, from_month=from_month, reason=reason, today=today())
    except (PlanRevisionError, RevisionError) as exc:
        fail(f"错误：{exc}")
    except UnitError as exc:
        typer.echo(str(Problem(str(path), line_in_file(path, exc.loc), exc.field, str(exc))), err=True)
        fail("未导入任何内容。")
    typer.echo(message)


def _load(
    session: Session, plan: Plan, *, yes: bool, from_month: str | None, reason: str, today: date
) -> str:
    from duban.services.plan_loading import save_plan
    from duban.services.plan_revisions import apply_plan_revision, preview_plan_revision
    from duban.services.plans import find_plan
    from duban.services.revise import month_of

    row = find_plan(session=session, region=plan.region, year=plan.year)
    if row is None:
        row = save_plan(session=session, plan=plan)
        return f"已导入 {row.region}{row.year} 年计划：{len(plan.indicators())} 个指标。"
    month = month_of(from_month, row.year) if from_month else None
    preview = preview_plan_revision(
        session=session, plan_row=row, plan=plan, today=today, effective_month=month
    )
    if preview.empty or not yes:
        return "\n".join(
            preview_lines(preview) + ([] if preview.empty else ["未更改；确认无误后加 --yes 重新运行。"])
        )
    revision = apply_plan_revision(session=session, plan_row=row, plan=plan, user_id=None, reason=reason,
                                   today=today, effective_month=month)  # fmt: skip
    assert revision is not None
    return "\n".join(
        [*preview_lines(preview), f"已修订计划（修订 #{revision.id}）；可用 duban plan undo 撤销。"]
    )


def preview_lines(preview: PlanPreview) -> list[str]:
    """The diff as lines for a terminal: one per change, with the figures, items and projects it touches."""
    head = f"{preview.region}{preview.year} 年计划：{preview.summary()}"
    if preview.empty:
        return [head + "。"]
    lines = [head + f"；自 {preview.effective_month} 月起生效。"]
    lines += [f"  计划 {f.label}：{f.old} → {f.new}" for f in preview.plan_fields]
    return lines + [_line(t) for t in preview.changes]


def _line(touched: Touched) -> str:
    from duban.plan.revision import ChangeKind

    c = touched.change
    what = {
        ChangeKind.ADDED: "新增",
        ChangeKind.CHANGED: "修改",
        ChangeKind.REMOVED: "停用" if touched.retires else "删除",
    }
    fields = "；".join(f"{f.unit + ' ' if f.unit else ''}{f.label} {f.old} → {f.new}" for f in c.fields)
    matched = f"（按原文对应 {c.draft_code}）" if c.draft_code else ""
    return (f"  {what[c.kind]} {c.code} {c.name}{matched}{':' + fields if fields else ''}"
            f"  [已报数据 {touched.figures} 条，督办单 {touched.items} 件，项目 {touched.projects} 个]")  # fmt: skip


def undo_command(year: Annotated[int | None, typer.Option("--year", help=YEAR_HELP)] = None) -> None:
    """撤销最近一次计划修订：计划恢复原样，随之调整的目标一并撤回。"""
    from duban.services.plan_revisions import PlanRevisionError, latest_revision, undo_plan_revision
    from duban.services.plans import plan_of_year

    try:
        with transaction() as session:
            row = plan_of_year(session=session, today=today(), year=year)
            revision = latest_revision(session=session, plan_id=row.id) if row else None
            if revision is None:
                raise PlanRevisionError("没有可撤销的计划修订")
            undo_plan_revision(session=session, revision_id=revision.id, user_id=None)
            message = f"已撤销计划修订 #{revision.id}：{revision.changes.get('summary', '')}"
    except PlanRevisionError as exc:
        fail(f"错误：{exc}")
    typer.echo(message)
