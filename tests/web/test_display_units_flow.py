"""A display unit end to end on a real app and store: the office shows 里程 in 万公里, the county downloads the
template, fills it in 万公里 and uploads it; the figure is stored exactly in 公里, shown in 万公里 on the pages and
the form, and the API keeps 公里 and says both units."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from duban.persistence.models import EntryRow, IndicatorRow
from web.conftest import log_in


def _show_roads_in_wan(client) -> None:
    token = log_in(client, "admin")
    data = {"csrf_token": token, "comparator": "=", "target": "1240", "entry_unit": "公里", "display_unit": "万公里",
            "lead_unit": "市交通运输局", "breakdown_status": "confirmed", "share.镇雄县": "700", "share.昭阳区": "540",
            "reason": "按万公里列示"}  # fmt: skip
    assert client.post("/plan/indicators/L02-1/edit", data=data, follow_redirects=False).status_code == 303
    client.cookies.clear()


def _row(sheet, code: str) -> int:
    return next(r for r in range(5, sheet.max_row + 1) if sheet[f"B{r}"].value == code)


def test_a_figure_typed_in_the_display_unit_round_trips_exactly(client, unit_ids, factory):
    _show_roads_in_wan(client)
    unit = unit_ids["镇雄县"]
    token = log_in(client, "zhenxiong")
    book = load_workbook(io.BytesIO(client.get(f"/entry/{unit}/6/template.xlsx").content))
    sheet = book["填报"]
    n = _row(sheet, "L02-1")
    assert [sheet[f"{c}{n}"].value for c in "DEF"] == ["万公里", "填本期数值(1万公里=10000公里)", 0.07]
    sheet[f"H{n}"] = 0.0437
    buffer = io.BytesIO()
    book.save(buffer)
    upload = client.post(f"/entry/{unit}/6/upload", data={"csrf_token": token},
                         files={"file": ("镇雄.xlsx", buffer.getvalue())}, follow_redirects=False)  # fmt: skip
    assert upload.status_code == 303, upload.text
    with factory() as session:
        query = select(EntryRow.value).join(IndicatorRow, IndicatorRow.id == EntryRow.indicator_id)
        assert session.scalar(query.where(IndicatorRow.code == "L02-1")) == Decimal("437")
    form = client.get(f"/entry/{unit}?month=6").text
    assert "（1万公里=10000公里）" in form and "0.0437万公里" in form  # submitted: shown, no longer a field
    sheet_json = client.get(f"/api/periods/2026-06/units/{unit}/sheet").json()
    roads = next(r for r in sheet_json["rows"] if r["code"] == "L02-1")
    assert (roads["unit"], roads["display_unit"], Decimal(roads["target"])) == ("公里", "万公里", 700)
    assert Decimal(roads["entry"]["value"]) == 437
    client.cookies.clear()
    log_in(client, "admin")
    review = client.get("/review").text
    assert re.search(r'data-code="L02-1">.*?<strong>0\.0437万公里</strong>', review, re.S), review
    plan = client.get("/plan").text
    assert "镇雄县 0.07万公里" in plan and "昭阳区 0.054万公里" in plan


def test_a_figure_typed_on_the_form_in_the_display_unit_is_stored_in_the_stored_unit(
    client, unit_ids, factory
):
    _show_roads_in_wan(client)
    unit = unit_ids["镇雄县"]
    token = log_in(client, "zhenxiong")
    fields = {"csrf_token": token, "action": "draft", "L02-1.value": "0.0437", "L02-1.version": "0"}
    assert client.post(f"/entry/{unit}/6", data=fields, follow_redirects=False).status_code == 303
    with factory() as session:
        assert session.scalar(select(EntryRow.value)) == Decimal("437")
    form = client.get(f"/entry/{unit}?month=6").text
    assert "累计数（万公里）" in form and 'name="L02-1.value" value="0.0437"' in form
    wrong = {**fields, "L02-1.value": "437米", "L02-1.version": "1"}
    response = client.post(f"/entry/{unit}/6", data=wrong, follow_redirects=False)
    assert "“437米”的单位“米”与指标单位“万公里”不符，请换算为万公里后只填数字" in response.text
    with factory() as session:
        assert session.scalar(select(EntryRow.value)) == Decimal("437")
