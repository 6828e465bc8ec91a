"""The template asks for figures in each indicator's display unit and says the conversion; the upload stores
them in the stored unit exactly (Decimal), whatever way the reporter wrote them."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from builders import make_indicator, make_plan
from duban.exchange.template import SHEET
from duban.exchange.upload import ImportRefused
from duban.persistence.models import EntryRow, IndicatorRow
from exchange.test_upload import row_of, saved, template, upload
from services.test_entries import make_world

D = Decimal


def money(code: str, target: str, **overrides):
    data = {"id": code, "name": f"投资{code}", "unit": "元", "kind": "amount", "comparator": ">=",
            "target": D(target), "scope": "镇雄县", "lead_unit": None}  # fmt: skip
    return make_indicator(**(data | overrides))


@pytest.fixture
def world(session):
    plan = make_plan(indicators=[
        money("Y1", "500000000", display_unit="万元"),  # 5亿元 shown in 万元, as the office chose
        money("Y2", "4000000000"),  # 40亿元: 亿元 by default
        money("Y3", "9200"),  # small: 元
        make_indicator(id="P1", name="新增就业", unit="人", kind="count", target=D(15000), scope="镇雄县",
                       lead_unit=None, display_unit="人"),
    ])  # fmt: skip
    return make_world(session, plan=plan)


def filled(session, world, code: str, typed: object) -> bytes:
    """The template with every row at its target but `code`, typed as given, each with a 备注."""
    workbook = template(session, world)
    ws = workbook[SHEET]
    for n in range(5, ws.max_row + 1):
        ws[f"H{n}"], ws[f"M{n}"] = ws[f"F{n}"].value, "项目集中开工"
    ws[f"H{row_of(ws, code)}"] = typed
    return saved(workbook)


def stored_value(session, code: str) -> Decimal | None:
    query = select(EntryRow.value).join(IndicatorRow, IndicatorRow.id == EntryRow.indicator_id)
    return session.scalar(query.where(IndicatorRow.code == code))


def test_the_template_says_the_display_unit_and_the_conversion(session, world):
    ws = template(session, world)[SHEET]
    shown = {code: [ws[f"{c}{row_of(ws, code)}"].value for c in "DEF"] for code in ("Y1", "Y2", "Y3", "P1")}
    assert shown == {
        "Y1": ["万元", "填本期数值(1万元=10000元)", 50000],
        "Y2": ["亿元", "填本期数值(1亿元=100000000元)", 40],
        "Y3": ["元", "填本期数值", 9200],
        "P1": ["人", "填本期数值", 15000],
    }
    assert "数值按“计量单位”列的单位填写" in ws["A3"].value


@pytest.mark.parametrize(
    ("code", "typed", "stored"),
    [
        ("Y1", 3653.3493, D("36533493")),
        ("Y1", "3,653.3493", D("36533493")),
        ("Y1", 0.0001, D("1")),
        ("Y1", "3653.35万元", D("36533500")),
        ("Y1", "36533493元", D("36533493")),
        ("Y1", "0.37亿", D("37000000")),
        ("Y2", 0.36533493, D("36533493")),
        ("Y2", "12.34567891", D("1234567891")),
        ("Y3", 8800.5, D("8800.5")),
        ("P1", 1300, D("1300")),
    ],
)
def test_a_figure_typed_in_the_display_unit_is_stored_exactly(session, world, code, typed, stored):
    upload(session, world, filled(session, world, code, typed), submit=False)
    assert stored_value(session, code) == stored
    assert stored_value(session, "Y2") == (stored if code == "Y2" else D("4000000000"))


def test_the_figure_comes_back_in_the_display_unit_on_the_next_template(session, world):
    upload(session, world, filled(session, world, "Y1", 3653.3493), submit=False)
    again = template(session, world)[SHEET]
    assert again[f"H{row_of(again, 'Y1')}"].value == 3653.3493
    assert template(session, world, month=7)[SHEET][f"G{row_of(again, 'Y1')}"].value == 3653.3493


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3653公里", "“3653公里”的单位“公里”与指标单位“万元”不符，请换算为万元后只填数字"),
        ("约三千万", "“约三千万”不是数字，请只填写数值"),
    ],
)
def test_a_figure_in_another_unit_is_refused_naming_the_cell(session, world, typed, message):
    n = row_of(template(session, world)[SHEET], "Y1")
    with pytest.raises(ImportRefused) as refused:
        upload(session, world, filled(session, world, "Y1", typed), submit=False)
    assert f"H{n}" in str(refused.value) and message in str(refused.value)
    assert session.scalar(select(EntryRow.id)) is None


def test_a_template_downloaded_before_the_unit_changed_is_refused(session, world):
    n = row_of(template(session, world)[SHEET], "Y3")
    content = filled(session, world, "Y3", 100)
    world.rows["Y3"].unit = "美元"
    session.flush()
    with pytest.raises(ImportRefused, match=f"D{n}：该指标的计量单位已改为“美元”，请重新下载填报模板"):
        upload(session, world, content, submit=False)
