"""`duban ledger import / export / figures` on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from builders import make_plan
from duban.cli.ledger import ledger_export, ledger_figures, ledger_import
from duban.persistence.db import transaction
from duban.services.plan_loading import save_plan
from duban.settings import get_settings

DATA = Path(__file__).parents[1] / "data" / "ledger"
app = typer.Typer()
app.command("import")(ledger_import)
app.command("export")(ledger_export)
app.command("figures")(ledger_figures)


@pytest.fixture
def store(db_url: str, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DUBAN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    with transaction(factory) as session:
        save_plan(session=session, plan=make_plan())
    yield
    get_settings.cache_clear()


def test_import_export_and_figures(store: None, tmp_path: Path) -> None:
    runner = CliRunner()
    imported = runner.invoke(app, ["import", str(DATA / "county-ledger.xlsx")])
    assert imported.exit_code == 0, imported.output
    assert "新增 7 个" in imported.output
    figures = runner.invoke(app, ["figures", "--date", "2026-06-30"])
    assert "昭通市\t7\t3\t50.00\t33.33\t31.18\t49.59" in figures.output
    assert "红灯项目 3 个" in figures.output
    exported = runner.invoke(app, ["export", str(tmp_path / "out.xlsx")])
    assert exported.exit_code == 0 and (tmp_path / "out.xlsx").stat().st_size > 0


def test_a_faulty_workbook_is_refused(store: None) -> None:
    result = CliRunner().invoke(app, ["import", str(DATA / "faulty-ledger.xlsx")])
    assert result.exit_code == 1
    assert "共 9 处错误，未导入任何内容。" in result.output


def test_importing_the_same_workbook_again_says_nothing_changed(store: None) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["import", str(DATA / "county-ledger.xlsx")]).exit_code == 0
    again = runner.invoke(app, ["import", str(DATA / "county-ledger.xlsx")])
    assert "新增 0 个，更新 0 个，未变 7 个" in again.output, again.output
