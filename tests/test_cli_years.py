"""The command line chooses its plan by year as the web does: --year, a period's year, else this year's plan."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from duban.cli import app, default_plan_path
from duban.plan.planfile import dump_plan, read_plan_file

runner = CliRunner()


@pytest.fixture
def two_years(tmp_path, db_url, monkeypatch):
    """The 2026 plan and the same plan for 2027 loaded into a fresh store, on 15 January 2027."""
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DUBAN_DATABASE_URL", db_url)
    monkeypatch.setenv("DUBAN_TODAY", "2027-01-15")
    monkeypatch.setenv(
        "DUBAN_SECRET_KEY", "test key"
    )  # templates are signed; PostgreSQL requires the key set
    from duban.settings import get_settings

    get_settings.cache_clear()
    plan = read_plan_file(default_plan_path())
    plan.year, plan.title = 2027, plan.title.replace("2026", "2027")
    later = tmp_path / "zhaotong-2027.yaml"
    later.write_text(dump_plan(plan), encoding="utf-8")
    assert runner.invoke(app, ["plan", "load"]).exit_code == 0
    assert runner.invoke(app, ["plan", "load", str(later)]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()


def test_export_revise_and_ledger_follow_the_year(two_years, monkeypatch):
    assert "year: 2027" in runner.invoke(app, ["plan", "export"]).output  # this year's plan by default
    assert "year: 2026" in runner.invoke(app, ["plan", "export", "--year", "2026"]).output
    missing = runner.invoke(app, ["plan", "export", "--year", "2025"])
    assert missing.exit_code == 1 and "没有2025年度的计划" in missing.output

    code = read_plan_file(default_plan_path()).indicators()[0].id
    revised = runner.invoke(app, ["plan", "revise", code, "999", "--from", "2026-12", "--reason", "调整"])
    assert revised.exit_code == 0, revised.output  # "2026-12" names the 2026 plan, not 2027's
    assert "999" in runner.invoke(app, ["plan", "export", "--year", "2026"]).output
    assert "999" not in runner.invoke(app, ["plan", "export"]).output

    monkeypatch.setenv("DUBAN_TODAY", "2026-12-20")  # the 2027 plan loaded early: December is still 2026's
    from duban.settings import get_settings

    get_settings.cache_clear()
    assert "year: 2026" in runner.invoke(app, ["plan", "export"]).output
    template = two_years / "t.xlsx"
    made = runner.invoke(app, ["template", "--unit", "镇雄县", "--period", "2027-01", "-o", str(template)])
    assert made.exit_code == 0, made.output  # the period names its year
