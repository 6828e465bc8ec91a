"""Counts that add up: every headline count, status, score and rank of one period, read off every face.

On the 昭通 demo store (demo progress to November, the demo ledger, a partly reviewed newest month) the
dashboard, the county list, each county page, the map data, the JSON API's 报送情况 and the bulletin's
workbook (总体情况, 县区排名, 报送情况) must say the same thing about 2026年11月, the 当前报送期.
"""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from builders import COUNTIES
from duban.choices import Role, Status
from duban.cli import default_plan_path
from duban.demo import generate_demo_ledger, generate_demo_progress
from duban.plan.planfile import read_plan_file
from duban.services.plan_loading import save_plan
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import PASSWORD, log_in

DEMO_DAY = date(2026, 11, 26)  # figures generated to November, the newest month partly reviewed
TODAY = "2026-11-27"  # November's deadline (the 25th) has passed: the 当前报送期 is November


@pytest.fixture
def demo(factory, db_url: str, tmp_path: Path) -> TestClient:
    with factory() as session, session.begin():
        plan = read_plan_file(default_plan_path())
        row = save_plan(session=session, plan=plan)
        generate_demo_progress(session=session, plan_row=row, plan=plan, today=DEMO_DAY)
        generate_demo_ledger(session=session, plan_row=row, today=DEMO_DAY)
        add_user(session=session, username="admin", password=PASSWORD, role=Role.ADMIN)
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="test", today=TODAY)
    client = TestClient(create_app(settings))
    log_in(client, "admin")
    return client


def _rows(html: str, table_id: str) -> list[list[str]]:
    """The cells of a table's body rows, as text."""
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0].split("<tbody>")[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in rows]  # fmt: skip


def _dashboard(client: TestClient) -> dict[str, Any]:
    html = client.get("/").text
    assert "11 月推进情况" in html and "2026年11月（当前报送期）" in html
    counts = {s: int(n) for s, n in re.findall(r'data-status="(\w+)"><b>(\d+)</b>', html)}
    ranking = {r[1]: (int(r[0]), r[2], int(r[3].split("/")[1]), int(r[3].split("/")[0]), int(r[4]))
               for r in _rows(html, "ranking")}  # fmt: skip
    reporting = {r[0]: tuple(int(re.sub(r"\D", "", x)) for x in r[1:6]) for r in _rows(html, "reporting")}
    return {"counts": counts, "ranking": ranking, "reporting": reporting}


def _carried_on_home(html: str) -> dict[str, str]:
    """The 惠民实事 cards' notes of earlier figures carried into the city's sum, by indicator."""
    found = {}
    for card in html.split('<article class="card')[1:]:
        code = re.search(r'href="/indicators/([^?"]+)\?month', card).group(1)
        note = re.search(r'class="muted carried">含([^<]+)<', card)
        found[code] = note.group(1) if note else ""
    return found


def _carried_on_indicator_page(client: TestClient, code: str) -> str:
    note = re.search(r'id="carried-note">含([^（(<]+)', client.get(f"/indicators/{code}").text)
    return note.group(1) if note else ""


def _county_list(client: TestClient) -> dict[str, tuple[Any, ...]]:
    html = client.get("/counties").text
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]  # fmt: skip
    return {r[1]: (int(r[0]), r[2], int(r[3]), int(r[4]), int(r[5]), int(r[6])) for r in rows}


def _county_page(client: TestClient, name: str) -> dict[str, Any]:
    html = client.get(f"/counties/{name}").text
    rank, score = re.search(r"第 (\d+) 名</strong> / \d+，综合得分 ([\d.]+)", html).groups()
    total, good, far, missing = re.search(
        r"目标 (\d+) 项：正常及以上 (\d+) 项，严重滞后 (\d+) 项，未报送 (\d+) 项", html
    ).groups()
    counts = {
        s: int(n)
        for s, n in re.findall(r'data-status="(\w+)"><span class="chip[^"]*">[^<]*</span> (\d+)', html)
    }
    reported = re.search(r"应报 (\d+) 项，已报 (\d+) 项，已审核 (\d+) 项，退回 (\d+) 项", html).groups()
    return {"ranking": (int(rank), score, int(total), int(good), int(far), int(missing)), "counts": counts,
            "reporting": tuple(map(int, reported))}  # fmt: skip


def _sheet(book: Any, name: str) -> list[tuple[Any, ...]]:
    """The data rows: below the header (row 1 of 通报; row 2 of a 附件 sheet, under its title)."""
    return [row for row in book[name].iter_rows(min_row=2 if name == "通报" else 3, values_only=True)]


def _bulletin(client: TestClient) -> dict[str, Any]:
    response = client.get("/reports/2026-11.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    labels = {s.label: s.value for s in Status}
    counts = {labels[r[0]]: r[1] for r in _sheet(book, "总体情况") if r[0] in labels}
    ranking = {r[1]: (r[0], f"{r[2]:.1f}", r[3], r[4], r[6], r[7]) for r in _sheet(book, "县区排名")}
    reporting = {r[0]: (r[2], r[3], r[4], r[6], r[7]) for r in _sheet(book, "报送情况")}
    pending = {r[0]: r[5] for r in _sheet(book, "报送情况")}
    text = "\n".join(str(r[0]) for r in _sheet(book, "通报"))
    livelihood = {r[2]: r[4] for r in _sheet(book, "惠民实事推进情况")}  # 目标指标 → 完成情况
    return {
        "counts": counts,
        "ranking": ranking,
        "reporting": reporting,
        "pending": pending,
        "text": text,
        "livelihood": livelihood,
    }


def test_every_face_gives_the_same_counts_statuses_scores_and_ranks(demo):
    home, listed, bulletin = _dashboard(demo), _county_list(demo), _bulletin(demo)
    # headline counts: the home page's tiles and the bulletin's 总体情况, status by status
    assert home["counts"] == bulletin["counts"]
    assert len(home["counts"]) == len(Status)
    # ranking: rank, score, targets, 正常及以上, 严重滞后 on the home page, the list, each county page, the bulletin
    assert set(home["ranking"]) == set(listed) == set(bulletin["ranking"]) == set(COUNTIES)
    map_scores = {c["name"]: c["value"] for c in demo.get("/map/data").json()["counties"]}
    api = {r["unit"]: r for r in demo.get("/api/periods/2026-11/status").json()}
    for county in COUNTIES:
        page = _county_page(demo, county)
        rank, score, total, good, far, missing = listed[county]
        assert home["ranking"][county] == (rank, score, total, good, far)
        assert page["ranking"] == listed[county]
        assert bulletin["ranking"][county] == listed[county]
        assert f"{map_scores[county]:.1f}" == score
        # the county's 状态分布 is what its score and rank are made of
        assert sum(page["counts"].values()) == total
        assert page["counts"]["not_reported"] == missing and page["counts"]["far_behind"] == far
        assert page["counts"]["done"] + page["counts"]["ahead"] + page["counts"]["on_track"] == good
        # 报送情况: 应报, 已报, 已审核, 退回 on the county page, the home page and the API
        expected, submitted, approved, returned = page["reporting"]
        assert home["reporting"][county][:4] == page["reporting"]
        assert (api[county]["expected"], api[county]["submitted"], api[county]["approved"],
                api[county]["returned"]) == page["reporting"]  # fmt: skip
        assert api[county]["missing"] == home["reporting"][county][4] == expected - submitted - returned
    # every unit of the home page's 报送情况 agrees with the API; the bulletin lists exactly those short
    for unit, (expected, submitted, approved, returned, missing) in home["reporting"].items():
        row = api[unit]
        assert (row["expected"], row["submitted"], row["approved"], row["returned"], row["missing"]) == (
            expected, submitted, approved, returned, missing)  # fmt: skip
        assert row["pending"] == submitted - approved
        if missing or returned:
            assert bulletin["reporting"][unit] == (expected, submitted, approved, returned, missing)
            assert bulletin["pending"][unit] == row["pending"]  # 待审核 in the bulletin's 报送情况 too
        else:
            assert unit not in bulletin["reporting"]
    overdue = {u for u, r in api.items() if r["overdue"]}
    assert overdue and overdue == {u for u, r in home["reporting"].items() if r[4]}
    named = re.search(r"截至通报日，(.+?)已超过报送时限仍未报齐", bulletin["text"])
    assert named and set(named.group(1).split("、")) == overdue


def test_every_face_marks_the_same_carried_figures(demo):
    """A county without a November figure is carried in the city's sum with the same note on every face."""
    home = demo.get("/").text
    carried = _carried_on_home(home)
    assert any(carried.values())  # the demo has silent counties in November
    bulletin = _bulletin(demo)["livelihood"]
    for code, note in carried.items():
        assert _carried_on_indicator_page(demo, code) == note, code
        shades = demo.get(f"/map/data?measure={code}").json()["counties"]
        marked = {c["name"] for c in shades if c["carried"]}
        assert marked == {u for part in note.split("；") if part
                          for u in part.split("沿用")[0].split("、")}, code  # fmt: skip
        link = re.search(rf'href="/indicators/{re.escape(code)}\?month=11">([^<]+)<', home).group(1)
        name = link.removeprefix(f"{code} ")  # the lagging list, first on the page, names "L01-1 以工代赈…"
        figure = next(v for k, v in bulletin.items() if k.startswith(name))
        assert (f"（含{note}）" in figure) == bool(note), code
