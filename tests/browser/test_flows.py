"""The main flows in a real Chromium against a real server; run in order, each leaving a screenshot.

1. a 镇雄县 reporter fills two figures (an inline error first) and submits them;
2. the office returns one, approves the other, and sees the county page and the county map change (待审核 → judged);
3. the reporter sees the reason; 昭阳区's reporter downloads the Excel template, fills it and uploads it
   (an upload must carry every row, and rows already approved cannot be re-sent without a reason, so
   this is done for a county with nothing approved yet in June);
4. the reporter's attempt to open 昭阳区's form is refused.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from browser.conftest import log_in, shoot

pytestmark = pytest.mark.browser
FILLED = ("L02-1", "L01-2")
GREY = "#8c959f"
PENDING = "#8250df"


def _previous(page, code: str) -> float:
    cell = page.locator(f'#row-{code} td[data-label="上次报送"] .v')
    # shown in the indicator's display unit ("120.7公里"), the unit the form takes
    return float(re.match(r"[\d.]+", cell.inner_text().replace(",", "")).group()) if cell.count() else 0.0


def _county_count(page, county: str, status: str) -> int:
    page.goto(f"/counties/{county}?month=6")
    return int(page.inner_text(f'#county-counts span[data-status="{status}"]').split()[-1])


def _county_colour(page, code: str, county: str) -> str:
    page.goto(f"/map?month=6&measure={code}")
    page.wait_for_selector('#map-chart[data-ready="1"]')
    return page.get_attribute(f'#map-table tr[data-county="{county}"]', "data-colour")


def test_1_a_reporter_fills_and_submits_figures(page):
    log_in(page, "zhenxiong")
    page.goto("/entry")
    assert "镇雄县 · 2026年6月进度填报" in page.inner_text("h1")
    field = page.locator('input[name="L02-1.value"]')
    field.fill("三百")
    field.dispatch_event("change")
    page.wait_for_selector("#m-L02-1 .error")
    assert "不是数字" in page.inner_text("#m-L02-1")
    for code in FILLED:
        value = round(_previous(page, code) * 1.3 + 2)
        page.fill(f'input[name="{code}.value"]', str(value))
        page.check(f'input[name="{code}.confirm"]')
        page.fill(f'textarea[name="{code}.note"]', "本月集中推进,数据已与台账核对")
    page.locator('input[name="L02-1.value"]').dispatch_event("change")
    page.wait_for_selector("#m-L02-1 .ok")
    shoot(page, "1-reporter-form-filled")
    page.click('button[name="action"][value="submit"]')
    page.wait_for_selector("#flash")
    assert "已提交 2 项数据" in page.inner_text("#flash")
    shoot(page, "1-reporter-submitted")


def test_2_the_office_returns_one_approves_one_and_sees_the_colours_change(page):
    log_in(page, "admin")
    pending = _county_count(page, "镇雄县", "pending")
    assert pending >= 2
    assert _county_colour(page, "L02-1", "镇雄县") == PENDING, "a submitted figure is 待审核 on the map"
    page.goto("/review?month=6")
    returned = page.locator('#review-table tr[data-code="L01-2"][data-unit="镇雄县"]')
    returned.locator('input[name="reason"]').fill("务工人数与人社部门台账不一致,请核实")
    returned.locator("button", has_text="退回").click()
    page.wait_for_selector("#review-table tr.locked:has-text('已退回')")
    approved = page.locator('#review-table tr[data-code="L02-1"][data-unit="镇雄县"]')
    approved.locator("button", has_text="通过").click()
    page.wait_for_selector("#review-table tr.locked:has-text('已审核通过')")
    shoot(page, "2-office-review")
    assert _county_count(page, "镇雄县", "pending") == pending - 2, (
        "one returned and one approved leave 待审核"
    )
    shoot(page, "2-county-after-review")
    colour = _county_colour(page, "L02-1", "镇雄县")
    assert colour not in (GREY, PENDING) and re.fullmatch(r"#[0-9a-f]{6}", colour)
    shoot(page, "2-county-map-after-approval")
    page.goto("/map?month=6")
    page.wait_for_selector('#map-chart[data-ready="1"]')
    shoot(page, "2-county-map-score")


def test_3_a_reporter_sees_why_a_figure_was_returned(page):
    log_in(page, "zhenxiong")
    page.goto("/entry")
    assert "务工人数与人社部门台账不一致" in page.inner_text("#row-L01-2")
    shoot(page, "3-reporter-sees-return-reason")


def test_3_a_reporter_reports_the_month_through_the_excel_template(page, tmp_path: Path):
    log_in(page, "zhaoyang")
    page.goto("/entry")
    with page.expect_download() as download:
        page.click("text=下载 Excel 模板")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    book = load_workbook(template)
    sheet = book["填报"]
    for row in range(5, sheet.max_row + 1):
        if sheet[f"B{row}"].value:
            _fill_template_row(sheet, row)
    book.save(template)
    page.set_input_files('input[type=file][accept=".xlsx"]', str(template))
    page.click("text=上传 Excel")
    page.wait_for_selector("#flash, #form-error")
    assert page.locator("#form-error").count() == 0, page.inner_text("#form-error")
    assert "已从 Excel 导入" in page.inner_text("#flash")
    assert "已提交" in page.inner_text("#row-L02-1")
    shoot(page, "3-excel-uploaded")


def _fill_template_row(sheet, row: int) -> None:
    """Fill one row as a diligent reporter would: a plausible June figure, confirmed, with a note."""
    mode, previous = sheet[f"E{row}"].value, sheet[f"G{row}"].value
    if "阶段" in mode:
        sheet[f"K{row}"], sheet[f"L{row}"] = "实施中", date(2026, 6, 1)
    elif "分子" in mode:
        sheet[f"I{row}"], sheet[f"J{row}"] = 90, 100
    elif sheet[f"H{row}"].value is None:
        sheet[f"H{row}"] = round(float(previous or 0) * 1.3 + 2)
    sheet[f"M{row}"], sheet[f"N{row}"] = "已按台账核实", "是"


def test_4_a_reporter_cannot_open_another_countys_form(page):
    log_in(page, "zhaoyang")
    page.goto("/entry")
    own = page.url
    log_in(page, "zhenxiong")
    response = page.goto(own)
    assert response.status == 403
    assert "只能填报和修改本单位的数据" in page.inner_text(".refusal")
    shoot(page, "4-other-county-refused")


def test_5_pages_fit_a_phone_screen(browser, server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=server, is_mobile=True)
    phone = context.new_page()
    log_in(phone, "leader")
    phone.goto("/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 380
    shoot(phone, "5-phone-dashboard")
    context.close()
