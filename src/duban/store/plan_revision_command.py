"""`duban plan load` and `duban plan undo`: a plan loaded again is shown as a diff and applied only with --yes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from duban.plan.model import Plan
from duban.plan.planfile import PlanFileError, read_plan_file
from duban.plan.revision import ChangeKind
from duban.settings import get_settings
from duban.store.db import make_engine, session_factory, transaction
from duban.store.plan_revisions import (
    PlanPreview,
    PlanRevisionError,
    Touched,
    apply_plan_revision,
    latest_revision,
    preview_plan_revision,
    undo_plan_revision,
)
from duban.store.plans import find_plan, save_plan
from duban.store.revision_command import month_of
from duban.store.revisions import RevisionError


def load_command(
    file: Annotated[Path | None, typer.Argument(help="计划文件;默认为内置的昭通市2026年计划")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="确认修订:按显示的差异更新数据库中的计划")] = False,
    from_month: Annotated[
        str | None, typer.Option("--from", help="修订生效月份;默认为尚未截止的第一个月")
    ] = None,
    reason: Annotated[str, typer.Option(help="修订理由(记入修改记录)")] = "重新导入计划文件",
) -> None:
    """Check a plan file and put it in the store; loading it again shows the changes, applied with --yes."""
    from duban.cli import default_plan_path, today

    try:
        plan = read_plan_file(file or default_plan_path())
    except PlanFileError as exc:
        typer.echo(str(exc) + f"\n共 {len(exc.problems)} 处错误,未导入任何内容。", err=True)
        raise typer.Exit(1) from exc
    settings = get_settings()
    engine = make_engine(settings.sqlalchemy_url())
    try:
        with transaction(session_factory(engine)) as session:
            message = _load(
                session, plan, yes=yes, from_month=from_month, reason=reason, today=today(settings)
            )
    except (PlanRevisionError, RevisionError) as exc:
        typer.echo(f"错误:{exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(message)


def _load(
    session: Session, plan: Plan, *, yes: bool, from_month: str | None, reason: str, today: date
) -> str:
    row = find_plan(session=session, region=plan.region, year=plan.year)
    if row is None:
        row = save_plan(session=session, plan=plan)
        return f"已导入 {row.region}{row.year} 年计划:{len(plan.indicators())} 个指标。"
    month = month_of(from_month, row.year) if from_month else None
    preview = preview_plan_revision(
        session=session, plan_row=row, plan=plan, today=today, effective_month=month
    )
    if preview.empty or not yes:
        return "\n".join(
            preview_lines(preview) + ([] if preview.empty else ["未更改;确认无误后加 --yes 重新运行。"])
        )
    revision = apply_plan_revision(session=session, plan_row=row, plan=plan, user_id=None, reason=reason,
                                   today=today, effective_month=month)  # fmt: skip
    assert revision is not None
    return "\n".join(
        [*preview_lines(preview), f"已修订计划(修订 #{revision.id});可用 duban plan undo 撤销。"]
    )


def preview_lines(preview: PlanPreview) -> list[str]:
    """The diff as lines for a terminal: one per change, with the figures, items and projects it touches."""
    head = f"{preview.region}{preview.year} 年计划:{preview.summary()}"
    if preview.empty:
        return [head + "。"]
    lines = [head + f";自 {preview.effective_month} 月起生效。"]
    lines += [f"  计划 {f.label}:{f.old} → {f.new}" for f in preview.plan_fields]
    return lines + [_line(t) for t in preview.changes]


def _line(touched: Touched) -> str:
    c = touched.change
    what = {
        ChangeKind.ADDED: "新增",
        ChangeKind.CHANGED: "修改",
        ChangeKind.REMOVED: "停用" if touched.retires else "删除",
    }
    fields = ";".join(f"{f.unit + ' ' if f.unit else ''}{f.label} {f.old} → {f.new}" for f in c.fields)
    matched = f"(按原文对应 {c.draft_code})" if c.draft_code else ""
    return (f"  {what[c.kind]} {c.code} {c.name}{matched}{':' + fields if fields else ''}"
            f"  [已报数据 {touched.figures} 条,督办单 {touched.items} 件,项目 {touched.projects} 个]")  # fmt: skip


def undo_command() -> None:
    """Undo the newest plan revision: the plan as it was before, its target revisions withdrawn."""
    engine = make_engine(get_settings().sqlalchemy_url())
    try:
        with transaction(session_factory(engine)) as session:
            row = find_plan(session=session)
            revision = latest_revision(session=session, plan_id=row.id) if row else None
            if revision is None:
                raise PlanRevisionError("没有可撤销的计划修订")
            undo_plan_revision(session=session, revision_id=revision.id, user_id=None)
            message = f"已撤销计划修订 #{revision.id}:{revision.changes.get('summary', '')}"
    except PlanRevisionError as exc:
        typer.echo(f"错误:{exc}", err=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    typer.echo(message)
