"""`duban report` as the lead wires it: files written, errors in Chinese with exit code 1."""

import os
import shutil
import subprocess
import sys
from datetime import date

import pytest
import typer
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from duban.cli.report import pdf_process, report_command
from duban.persistence.db import make_engine, session_factory
from duban.reports.files import render
from duban.reports.service import bulletin_for
from duban.settings import get_settings

runner = CliRunner()
app = typer.Typer()
app.command("report")(report_command)
app.command("noop")(lambda: None)  # a second command keeps `report` a named subcommand


def run(monkeypatch, demo_url, tmp_path, *args):
    monkeypatch.setenv("DUBAN_DATABASE_URL", demo_url)
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DUBAN_TODAY", "2026-11-27")
    get_settings.cache_clear()
    try:
        return runner.invoke(app, ["report", *args])
    finally:
        get_settings.cache_clear()


def test_county_bulletin_in_word_and_excel(monkeypatch, demo_url, tmp_path):
    out = tmp_path / "out"
    result = run(monkeypatch, demo_url, tmp_path, "--period", "2026-10", "--unit", "镇雄县", "--format", "docx,xlsx",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "督查通报-2026-10-镇雄县.docx",
        "督查通报-2026-10-镇雄县.xlsx",
    ]
    assert "已生成" in result.output
    document = Document(str(out / "督查通报-2026-10-镇雄县.docx"))
    assert any(
        p.text.replace("\n", "") == "关于镇雄县2026年1—10月重点工作推进情况的通报"
        for p in document.paragraphs
    )
    assert "县区排名" in load_workbook(out / "督查通报-2026-10-镇雄县.xlsx").sheetnames


def test_the_pdf_made_in_a_process_of_its_own_is_the_one_made_here(monkeypatch, demo_url, tmp_path):
    out = tmp_path / "out"
    result = run(monkeypatch, demo_url, tmp_path, "--period", "2026-10", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert [line.rsplit(".", 1)[-1] for line in result.output.splitlines()] == ["docx", "pdf", "xlsx"]
    with session_factory(make_engine(demo_url))() as session:
        bulletin = bulletin_for(session=session, period="2026-10", today=date(2026, 11, 27), record=False)
    assert (out / "督查通报-2026-10.pdf").read_bytes() == render(bulletin=bulletin, fmt="pdf")
    paragraphs = [p.text for p in Document(str(out / "督查通报-2026-10.docx")).paragraphs]
    assert bulletin.opening in paragraphs


# `duban report` in a fresh interpreter, the PDF's process writing down what it had imported by the end.
PDF_PROCESS_MODULES = """
import functools, sys
from pathlib import Path
import duban.cli
import duban.reports.pdf as pdf

listed, out = sys.argv[1:]

@functools.wraps(pdf.render_pdf)
def render_pdf(**kwargs):
    Path(listed).write_text("\\n".join(sys.modules))
    return pdf.__wrapped_render(**kwargs)

pdf.__wrapped_render, pdf.render_pdf = pdf.render_pdf, render_pdf
sys.argv = ["duban", "report", "--period", "2026-10", "-o", out]
duban.cli.main()
"""


def test_the_pdf_process_is_forked_before_the_store_is_imported(demo_url, tmp_path):
    env = dict(
        os.environ, DUBAN_DATABASE_URL=demo_url, DUBAN_DATA_DIR=str(tmp_path), DUBAN_TODAY="2026-11-27"
    )
    listed = tmp_path / "modules.txt"
    command = [sys.executable, "-c", PDF_PROCESS_MODULES, str(listed), str(tmp_path / "out")]
    subprocess.run(command, env=env, check=True, capture_output=True)
    modules = set(listed.read_text().split())
    assert "weasyprint" in modules and (tmp_path / "out" / "督查通报-2026-10.pdf").exists()
    # it copied neither SQLAlchemy nor the services from this process, nor imported the other renderers
    assert not {"sqlalchemy", "duban.persistence.db", "duban.services.overview", "openpyxl", "docx"} & modules


def test_a_monthly_bulletin_imports_neither_the_years_close_nor_the_migrations():
    listed = "import sys, duban.reports.service; print(' '.join(sys.modules))"
    modules = set(
        subprocess.run(
            [sys.executable, "-c", listed], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "duban.services.overview" in modules
    assert not {"duban.services.yearclose", "duban.reports.yearend", "alembic"} & modules


def test_the_pdf_process_is_forked_only_for_a_pdf():
    with pdf_process(["docx", "xlsx"]) as none:
        assert none is None
    with pdf_process(["pdf"]) as pool:
        assert pool is not None and pool.submit(os.getpid).result() != os.getpid()


def test_bad_requests_exit_with_a_message(monkeypatch, demo_url, tmp_path):
    for args, message in ((["--period", "2026-13"], "格式不对"), (["--period", "2026-10", "--format", "doc"], "不支持的格式"),
                          (["--period", "2026-10", "--unit", "昆明市"], "不是昭通市的县")):  # fmt: skip
        result = run(monkeypatch, demo_url, tmp_path, *args, "-o", str(tmp_path / "out"))
        assert result.exit_code == 1
        assert message in result.output
    assert not (tmp_path / "out").exists()


@pytest.fixture
def own_store(demo_url, tmp_path):
    """A copy of the demo store that a test may write to (numbers taken go into its audit trail)."""
    path = tmp_path / "own.db"
    shutil.copyfile(demo_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


def test_number_date_and_a_month_not_ended(monkeypatch, own_store, tmp_path):
    out = tmp_path / "out"
    result = run(monkeypatch, own_store, tmp_path, "--period", "2026-11", "--format", "docx", "--number", "12",
                 "--date", "2026-11-27", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "注意：11月尚未结束" in result.output
    texts = [p.text for p in Document(str(out / "督查通报-2026-11.docx")).paragraphs]
    assert "昭政督通〔2026〕12号" in texts and "2026年11月27日" in texts
    bad = run(monkeypatch, own_store, tmp_path, "--period", "2026-10", "--date", "30/11/2026", "-o", str(out))
    assert bad.exit_code == 1 and "成文日期" in bad.output


def doc_number(folder, name):
    return Document(str(folder / name)).paragraphs[1].text


def test_auto_numbers_count_up_through_the_year(monkeypatch, own_store, tmp_path):
    out = tmp_path / "out"
    for period, unit, expected in (
        ("2026-09", None, "1"),
        ("2026-10", None, "2"),
        ("2026-10", "镇雄县", "3"),
    ):
        args = [
            "--period",
            period,
            "--format",
            "docx",
            "--number",
            "auto",
            "--date",
            "2026-11-30",
            "-o",
            str(out),
        ]
        result = run(monkeypatch, own_store, tmp_path, *args, *(["--unit", unit] if unit else []))
        assert result.exit_code == 0, result.output
        name = f"督查通报-{period}{'-' + unit if unit else ''}.docx"
        assert doc_number(out, name) == f"昭政督通〔2026〕{expected}号"
    again = run(monkeypatch, own_store, tmp_path, "--period", "2026-11", "--format", "docx", "--number", "2",
                "-o", str(out))  # fmt: skip
    assert again.exit_code == 0 and "文号2号本年已用于2026-10通报（2026-11-30）" in again.output
    refused = run(monkeypatch, own_store, tmp_path, "--period", "2026-10", "--number", "第二", "-o", str(out))
    assert refused.exit_code == 1 and "文号序号" in refused.output
