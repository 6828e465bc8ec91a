import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from builders import OFFICE, make_indicator, make_plan
from duban.exchange.template import FIRST_ROW, META_SHEET, SHEET, make_template
from duban.exchange.upload import ImportRefused, import_workbook
from duban.persistence.models import AuditRow, EntryRow
from duban.services.entries import approve, record_value, submit
from services.test_entries import JUNE_10, make_world

D = Decimal
KEY = "test-secret"


def county(code: str, **overrides):
    data = {"id": code, "name": f"指标{code}", "target": D(1000), "scope": "镇雄县", "lead_unit": None}
    return make_indicator(**(data | overrides))


def exchange_plan():
    counts = [county(f"C{i:02d}") for i in range(1, 16)]
    rates = [county("R1", unit="%", kind="rate", comparator=">=", target=D(70), numerator="已办", denominator="应办"),
             county("R2", unit="%", kind="rate", comparator=">=", target=D(70), numerator="已办", denominator="应办"),
             county("T1", unit="%", kind="rate", comparator=">=", target=D(90))]  # fmt: skip
    stages = [county(f"M{i}", unit="项", kind="milestone", comparator="=", target=D(1)) for i in (1, 2)]
    return make_plan(indicators=counts + rates + stages)


@pytest.fixture
def world(session):
    world = make_world(session, plan=exchange_plan())
    history = {"C04": [400], "C06": [100, 200, 300, 400, 500]}
    for code, values in history.items():
        for month, value in enumerate(values, start=6 - len(values)):
            entry = record_value(session=session, indicator_id=world.rows[code].id, unit_id=world.units["镇雄县"].id,
                                 period_id=world.periods[month - 1].id, user_id=None, value=D(value))  # fmt: skip
            submit(session=session, entry=entry, writer=OFFICE)
            approve(session=session, entry=entry, writer=OFFICE)
    return world


def template(session, world, unit="镇雄县", month=6):
    content = make_template(session=session, plan_row=world.plan_row, unit=world.units[unit],
                            period=world.periods[month - 1], key=KEY)  # fmt: skip
    return load_workbook(BytesIO(content))


def row_of(ws, code):
    return next(n for n in range(FIRST_ROW, ws.max_row + 1) if ws[f"B{n}"].value == code)


def fill_all_good(ws):
    for n in range(FIRST_ROW, ws.max_row + 1):
        code = ws[f"B{n}"].value
        if str(code).startswith("C"):
            ws[f"H{n}"] = 600
        elif code in ("R1", "R2"):
            ws[f"I{n}"], ws[f"J{n}"], ws[f"M{n}"] = 40, 50, ""
        elif code == "T1":
            ws[f"H{n}"] = 95
        else:
            ws[f"K{n}"], ws[f"L{n}"] = "已完成", date(2026, 5, 20)
    ws[f"H{row_of(ws, 'C06')}"], ws[f"N{row_of(ws, 'C06')}"], ws[f"M{row_of(ws, 'C06')}"] = (
        1100,
        "是",
        "集中验收",
    )


def saved(workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(session, world, content, unit="镇雄县", month=6, who="zhenxiong", submit=True):
    return import_workbook(session=session, content=content, key=KEY, plan_row=world.plan_row,
                           writer=world.writer(who, JUNE_10), unit=world.units[unit],
                           period=world.periods[month - 1], submit=submit)  # fmt: skip


def test_a_filled_template_is_imported_and_submitted(session, world):
    workbook = template(session, world)
    fill_all_good(workbook[SHEET])
    result = upload(session, world, saved(workbook))
    assert (result.unit, result.period, len(result.entries), result.submitted) == (
        "镇雄县",
        "2026年6月",
        20,
        True,
    )
    states = set(session.scalars(select(EntryRow.state).where(EntryRow.period_id == world.periods[5].id)))
    assert states == {"submitted"}


def test_template_shows_names_units_targets_and_last_month(session, world):
    ws = template(session, world)[SHEET]
    n = row_of(ws, "C04")
    assert [ws[f"{c}{n}"].value for c in "BCDFG"] == ["C04", "指标C04", "公里", 1000, 400]
    assert ws.protection.sheet and ws.column_dimensions["O"].hidden
    assert not ws[f"H{n}"].protection.locked and ws[f"I{n}"].protection.locked
    ranges = [part for v in ws.data_validations.dataValidation for part in str(v.sqref).split()]
    assert {part[0] for part in ranges} == {"H", "I", "K", "L", "N"}


def test_twenty_five_planted_faults_are_each_named_and_nothing_changes(session, world):
    before = session.scalar(select(func.count()).select_from(AuditRow))
    workbook = template(session, world)
    ws = workbook[SHEET]
    fill_all_good(ws)
    r = {
        code: row_of(ws, code)
        for code in [f"C{i:02d}" for i in range(1, 16)] + ["R1", "R2", "T1", "M1", "M2"]
    }
    plant = {
        f"H{r['C01']}": "N/A", f"H{r['C02']}": "约500", f"H{r['C03']}": "=SUM(1,2)", f"H{r['C04']}": 390,
        f"M{r['C04']}": "有说明", f"H{r['C05']}": 100, f"H{r['C06']}": 1500, f"N{r['C06']}": None,
        f"H{r['C07']}": "12亩", f"H{r['C08']}": -5, f"F{r['C09']}": 800, f"C{r['C10']}": "改过的名称",
        f"I{r['C11']}": 3, f"N{r['C13']}": "可能", f"I{r['R1']}": 12, f"J{r['R1']}": 10, f"J{r['R2']}": 0,
        f"H{r['T1']}": 130, f"K{r['M1']}": "快完了", f"K{r['M2']}": "实施中", f"L{r['M2']}": None,
    }  # fmt: skip
    for cell, value in plant.items():
        ws[cell] = value
    duplicate = ws.max_row + 2
    for letter in "ABCDEFGHIJKLMNO":
        ws[f"{letter}{duplicate}"] = ws[f"{letter}{r['C15']}"].value
    ws[f"C{duplicate + 2}"] = "自己加的一行"
    ws.delete_rows(r["C14"])
    ws.insert_rows(FIRST_ROW + 2)
    ws.merge_cells(f"M{row_of(ws, 'C12')}:N{row_of(ws, 'C12')}")  # openpyxl does not move merged ranges
    workbook[META_SHEET]["A2"] = "0" * 64
    content = saved(workbook)
    with pytest.raises(ImportRefused) as caught:
        upload(session, world, content, unit="昭阳区", month=5)
    messages = [str(f) for f in caught.value.faults]
    at = {code: row_of(ws, code) for code in r if code != "C14"}
    expected = [
        "工作表“_duban”单元格 A2：模板校验码不符：模板标识被改动过，或不是本系统生成的模板，请重新下载模板",
        "这是“镇雄县”的模板，不能作为“昭阳区”的数据上传",
        "这是2026年6月的模板，当前上传的报送期是2026年5月",
        f"工作表“填报”单元格 M{at['C12']}:N{at['C12']}：为合并单元格，请取消合并",
        f"工作表“填报”第 {FIRST_ROW + 2} 行：为空行（表格中间插入了行），请删除该行",
        f"工作表“填报”第 {duplicate} 行：与第 {at['C15']} 行是同一指标（行被复制），请删除重复的行",
        f"工作表“填报”第 {duplicate + 2} 行：不是模板中的指标行（可能新增、复制了行或改动了隐藏编号），请删除该行",
        "工作表“填报”：指标 C14“指标C14”所在的行被删除，请使用原模板",
        f"工作表“填报”单元格 H{at['C01']}：本期数值：“N/A”不是数字，请填写数值（确无发生请填 0）",
        f"工作表“填报”单元格 H{at['C02']}：本期数值：“约500”不是数字，请只填写数值",
        f"工作表“填报”单元格 H{at['C03']}：本期数值含公式“=SUM(1,2)”，请直接填写数值而不是公式",
        f"工作表“填报”单元格 H{at['C04']}：本期数值：年初至今累计 390 低于上期累计 400，累计数不应减少",
        f"工作表“填报”单元格 M{at['C05']}：备注：严重滞后于序时进度（完成 10%，序时进度 49.6%），须在备注中说明原因",
        f"工作表“填报”单元格 H{at['C06']}：本期数值（需确认）：本期新增 1000 远离本单位以往水平（以往中位数 100，修正 Z 值 12.1），"
        "如确认无误请勾选“确认异常”并在备注中说明",
        f"工作表“填报”单元格 H{at['C07']}：本期数值：“12亩”的单位“亩”与指标单位“公里”不符，请换算为公里后只填数字",
        f"工作表“填报”单元格 H{at['C08']}：本期数值：-5 为负数，本指标不能小于 0",
        f"工作表“填报”单元格 F{at['C09']}：本单位目标被改动（模板为“1000”，现为“800”），本单位目标不能在填报表中修改",
        f"工作表“填报”单元格 C{at['C10']}：指标名称被改动（模板为“指标C10”，现为“改过的名称”），指标名称不能在填报表中修改",
        f"工作表“填报”单元格 I{at['C11']}：本指标不填“分子”（只填本期数值），请清空",
        f"工作表“填报”单元格 N{at['C13']}：确认异常只能填“是”或“否”，而不是“可能”",
        f"工作表“填报”单元格 I{at['R1']}：分子：分子 12 大于分母 10，比率 120.00% 超过 100%",
        f"工作表“填报”单元格 J{at['R2']}：分母：分母不能为 0",
        f"工作表“填报”单元格 H{at['T1']}：本期数值：比率 130% 超过 100%",
        f"工作表“填报”单元格 K{at['M1']}：阶段：“快完了”不是有效阶段，应为 未启动、前期、实施中、已完成 之一",
        f"工作表“填报”单元格 L{at['M2']}：阶段日期：阶段为“实施中”时须填写进入该阶段的日期",
    ]
    assert sorted(messages) == sorted(expected)
    assert len(messages) == 25
    assert session.scalar(select(func.count()).select_from(AuditRow)) == before
    assert (
        session.scalar(
            select(func.count()).select_from(EntryRow).where(EntryRow.period_id == world.periods[5].id)
        )
        == 0
    )


def test_a_workbook_resaved_without_the_hidden_identity_is_refused_clearly(session, world):
    workbook = template(session, world)
    fill_all_good(workbook[SHEET])
    del workbook[META_SHEET]
    with pytest.raises(ImportRefused, match=re.escape("找不到模板标识（隐藏工作表“_duban”）")):
        upload(session, world, saved(workbook))


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xd0\xcf\x11\xe0old xls", "文件不是 Excel 工作簿（.xlsx）（旧版 .xls 请用 WPS 或 Excel 另存为 .xlsx）"),
     (b"hello", "文件不是 Excel 工作簿（.xlsx）")],
)  # fmt: skip
def test_files_that_are_not_xlsx_are_refused(session, world, content, message):
    with pytest.raises(ImportRefused) as caught:
        upload(session, world, content)
    assert [str(f) for f in caught.value.faults] == [message]


def test_a_template_from_another_site_fails_the_checksum(session, world):
    workbook = template(session, world)
    fill_all_good(workbook[SHEET])
    with pytest.raises(ImportRefused, match="模板校验码不符"):
        import_workbook(session=session, content=saved(workbook), key="another-key", plan_row=world.plan_row,
                        writer=world.writer("zhenxiong"), unit=world.units["镇雄县"], period=world.periods[5])  # fmt: skip


def test_a_figure_changed_on_the_web_after_download_is_a_conflict(session, world):
    workbook = template(session, world)
    fill_all_good(workbook[SHEET])
    world.save(session, "C01", value="550")
    with pytest.raises(ImportRefused, match="模板下载后此数据已有改动：该数据已被镇雄李四于"):
        upload(session, world, saved(workbook))


def test_uploading_again_after_approval_keeps_approved_rows_and_submits_the_changed_ones(session, world):
    workbook = template(session, world)
    fill_all_good(workbook[SHEET])
    upload(session, world, saved(workbook))
    first = session.scalars(select(EntryRow).where(EntryRow.period_id == world.periods[5].id)).all()
    for entry in first:
        approve(session=session, entry=entry, writer=OFFICE)
    again = template(session, world)
    ws = again[SHEET]
    ws[f"H{row_of(ws, 'C01')}"] = 650  # one figure changed; the other nineteen are as approved
    ws[f"M{row_of(ws, 'C01')}"] = "补录一个项目"
    result = upload(session, world, saved(again))
    states = dict(session.execute(select(EntryRow.indicator_id, EntryRow.state)
                                  .where(EntryRow.period_id == world.periods[5].id)).all())  # fmt: skip
    assert states.pop(world.rows["C01"].id) == "submitted"
    assert set(states.values()) == {"approved"} and result.submitted


def test_uploading_the_same_submitted_template_again_says_nothing_changed_and_writes_nothing(session, world):
    workbook = template(session, world)
    fill_all_good(workbook[SHEET])
    content = saved(workbook)
    first = upload(session, world, content)
    assert (first.added, first.updated, first.unchanged, first.submitted) == (20, 0, 0, True)
    audit_rows = session.scalar(select(func.count()).select_from(AuditRow))
    again = upload(session, world, content)
    assert (again.added, again.updated, again.unchanged, again.submitted) == (0, 0, 20, False)
    assert (
        again.summary()
        == "已从 Excel 导入镇雄县2026年6月的数据：新增 0 项、更新 0 项、未变 20 项（与已保存的数据相同，未写入任何改动）。"
    )
    assert session.scalar(select(func.count()).select_from(AuditRow)) == audit_rows


def test_an_upload_changing_one_figure_says_one_updated(session, world):
    workbook = template(session, world)
    fill_all_good(workbook[SHEET])
    upload(session, world, saved(workbook), submit=False)
    again = template(session, world)
    again[SHEET][f"H{row_of(again[SHEET], 'C01')}"] = 650
    result = upload(session, world, saved(again), submit=False)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 19)
    assert result.summary().endswith("新增 0 项、更新 1 项、未变 19 项（填报状态，尚未提交）。")
