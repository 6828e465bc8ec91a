"""Read-only pages: dashboard, map, indicators, counties and plan, and who may open them."""

from __future__ import annotations

import json
import re

import pytest

from duban.web.pages import common
from web.conftest import log_in

READ_PAGES = ["/", "/?month=3", "/map", "/map?measure=L02-1", "/map/data", "/indicators",
              "/indicators?status=not_reported", "/indicators/L02-1", "/counties", "/counties/镇雄县", "/plan"]  # fmt: skip
OFFICE_PAGES = ["/review", "/plan/indicators/L02-1/edit", "/plan/ingest", "/settings"]


@pytest.mark.parametrize("path", READ_PAGES + OFFICE_PAGES + ["/entry"])
def test_every_page_sends_anonymous_visitors_to_the_login_form(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("username", ["admin", "leader", "zhenxiong"])
@pytest.mark.parametrize("path", READ_PAGES)
def test_every_role_may_read_the_overview_pages(client, username, path):
    log_in(client, username)
    response = client.get(path)
    assert response.status_code == 200, response.text[:400]


@pytest.mark.parametrize("username", ["leader", "zhenxiong"])
@pytest.mark.parametrize("path", OFFICE_PAGES)
def test_office_pages_are_refused_to_others_in_chinese(client, username, path):
    log_in(client, username)
    response = client.get(path)
    assert response.status_code == 403
    assert "只有督查室可以进行此操作" in response.text


def test_a_leader_may_not_open_the_entry_form(client):
    log_in(client, "leader")
    response = client.get("/entry")
    assert response.status_code == 403
    assert "领导账号为只读" in response.text


def test_refusals_from_fetch_calls_are_json(client):
    log_in(client, "leader")
    response = client.get("/review", headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert response.json() == {"detail": "只有督查室可以进行此操作"}


def test_unknown_pages_say_so_in_chinese(client):
    log_in(client, "admin")
    assert "没有编号为“Z-9”的指标" in client.get("/indicators/Z-9").text
    assert "没有名为“北京市”的县（市、区）" in client.get("/counties/北京市").text
    assert client.get("/nowhere").status_code == 404


def test_a_month_outside_the_year_is_refused(client):
    log_in(client, "admin")
    response = client.get("/?month=13")
    assert response.status_code == 400
    assert "月份 13 无效" in response.text


def test_dashboard_shows_counts_livelihood_cards_ranking_and_reporting(client):
    log_in(client, "admin")
    page = client.get("/?month=6").text
    assert re.search(r'data-status="not_reported"><b>2</b>', page)
    assert "建好农村公路" in page and "1240公里" in page
    assert 'id="ranking"' in page and "/counties/镇雄县" in page
    assert 'id="reporting"' in page and "市发展改革委" in page
    assert 'id="no-ledger"' in page  # no project in the ledger and no indicator fed from it: said so


def test_each_areas_status_bar_says_its_counts_in_words(client):
    """The 各方面进度 bars are not colour alone: under each, its statuses and counts in words, as the bar has them."""
    log_in(client, "leader")
    page = client.get("/?month=6").text
    rows = re.findall(r'<div class="stack" aria-hidden="true">(.*?)</div>\s*<small class="stack-text">(.*?)</small>',
                      page, re.S)  # fmt: skip
    assert rows
    for bar, words in rows:
        segments = re.findall(r'title="([^"]+)"', bar)
        assert segments and segments == re.findall(r'<span class="nowrap">([^<]+)</span>', words)


def test_map_data_colours_each_county_by_score_or_indicator(client):
    log_in(client, "admin")
    by_score = client.get("/map/data?month=6").json()
    assert {c["name"] for c in by_score["counties"]} == {"镇雄县", "昭阳区"}
    by_roads = client.get("/map/data?month=6&measure=L02-1").json()["counties"]
    assert all(c["colour"] == "#8c959f" and c["value"] is None for c in by_roads)
    assert client.get("/map/data?measure=nope").status_code == 404


def test_map_page_embeds_its_figures_and_loads_local_echarts_only(client):
    log_in(client, "admin")
    page = client.get("/map").text
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))
    assert len(data) == 2
    assert "/static/vendor/echarts.min.js" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_indicator_page_has_chart_data_units_source_and_lead_unit(client):
    log_in(client, "admin")
    page = client.get("/indicators/L02-1?month=6").text
    chart = json.loads(re.search(r'id="chart-data">(.*?)</script>', page, re.S).group(1))
    assert chart["target"] == 1240 and len(chart["expected"]) == 12
    assert chart["expected"][5] == pytest.approx(1240 * 181 / 365, rel=1e-3)
    assert "<mark>1240公里</mark>" in page
    assert '<td id="lead-unit">市交通运输局</td>' in page
    assert page.count('href="/counties/') >= 2


def test_indicator_list_filters_by_status_area_and_words(client):
    log_in(client, "admin")
    assert "产业投资占比" not in client.get("/indicators?q=农村").text
    assert "自然村" not in client.get("/indicators?area=A1").text
    assert "没有符合条件的指标" in client.get("/indicators?status=done").text


def test_county_page_lists_targets_rank_and_overdue_reports(client):
    log_in(client, "admin")
    page = client.get("/counties/镇雄县?month=6").text
    assert 'id="county-rank"' in page
    overdue = page.split('id="overdue"')[1].split("</table>")[0]
    assert "L02-1" in overdue and "未报送" in overdue


def test_plan_tree_offers_edit_links_only_to_the_office(client):
    log_in(client, "leader")
    assert "/plan/indicators/L02-1/edit" not in client.get("/plan").text
    client.cookies.clear()
    log_in(client, "admin")
    assert "/plan/indicators/L02-1/edit" in client.get("/plan").text


def test_static_assets_are_served_compressed(client):
    response = client.get("/static/css/duban.css", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == "gzip"


def test_the_indicator_and_ranked_unit_pages_build_no_unit_line_they_do_not_show(client, monkeypatch):
    """A province's full overview holds 450,000 unit lines: the indicator page builds its indicator's alone
    (`overview.indicator_view`), the list and the ranked units' pages the lean overview's."""
    asked: list[tuple[str, bool]] = []
    whole = common.period_overview

    def recorded(**kwargs):
        asked.append((kwargs["month"], kwargs.get("lean", False)))
        return whole(**kwargs)

    monkeypatch.setattr(common, "period_overview", recorded)
    log_in(client, "admin")
    assert client.get("/indicators/L02-1?month=3").status_code == 200
    assert asked == []
    for path in ("/indicators?month=3", "/counties?month=3", "/counties/镇雄县?month=3"):
        assert client.get(path).status_code == 200
    assert asked == [(3, True), (2, True)]  # each month once, remembered for the pages after
