"""Writes the two 项目台账 test workbooks the way a county office keeps them (run: uv run python this file).

county-ledger.xlsx: title, a 单位:万元 note, two merged header rows, columns in the office's own order,
总投资 in 亿元, dates in mixed forms, only January–June columns, and a 合计 row. Its projects are those of
sample.yaml, except that P1's July investment is not in it.
faulty-ledger.xlsx: the same layout with one planted fault per row from row 6 to row 14.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

HERE = Path(__file__).parent
SINGLE = {1: "序号", 2: "项目代码", 3: "项目名称", 4: "业主单位", 5: "所属县区", 6: "总投资\n(亿元)",
          7: "建设性质", 10: "投资主体", 11: "项目类型", 12: "2026年计划投资", 13: "“两重”项目",
          26: "产业集群", 27: "省级重大", 28: "备注"}  # fmt: skip
GROUPS = {8: ("开工时间", ["计划", "实际"]), 14: ("入库纳统", ["计划日期", "实际日期"]),
          16: ("2026年1-6月完成投资(万元)", [f"{m}月" for m in range(1, 7)]),
          22: ("用地手续", ["计划", "实际"]), 24: ("环评批复", ["计划", "实际"])}  # fmt: skip
# code, name, owner, county, total 亿元, kind, start planned/actual, investor, category, plan 万元, 两重,
# 入库 planned/actual, months 1-6 (万元), 用地 planned/actual, 环评 planned/actual, cluster, 省级重大, 备注
ROWS: list[list[Any]] = [
    ["P3", "镇雄至威信高速公路", "镇雄县交通运输局", "镇雄县", 20, "续建", "2024-05-01", datetime(2024, 5, 1),
     "国有", "基础设施", 50000, "√", None, "2024-06-01", 2000, 2000, 2000, 2000, 2000, 2000,
     None, None, None, None, None, None, "=1+1 不是公式"],
    ["P1", "镇雄磷酸铁锂前驱体项目", "镇雄县工业和信息化局", "镇雄", 50, "新开工", "2026.3.1",
     datetime(2026, 3, 10), "民间投资", "产业项目", 100000, None, None, "2026-04-05", None, None, 10000,
     10000, 10000, 10000, "2026年1月", "2026/1/20", None, None, "磷基新材料产业集群", None, None],
    ["P2", "镇雄黄磷尾气综合利用项目", "镇雄县发展改革局", "镇雄县", 3, "新建", datetime(2026, 5, 1), None,
     "国有", "产业", 10000, "否", None, None, None, None, None, None, None, None, None, None, None, None,
     "磷基新材料产业集群", "否", None],
    ["P4", "昭阳区第三中学扩建", "昭阳区教育体育局", "昭阳区", 2, "新开工", "2026-06-20", "2026-06-25",
     "民营", "社会民生", 10000, None, None, None, None, None, None, None, None, 1000, None, None, None,
     None, None, None, None],
    ["P5", "昭阳区苹果深加工项目", "昭阳区工业园区管委会", "昭阳区", 1, "新开工", "2026-09-01", "2026-02-01",
     "外资", "产业", 5000, None, "2026-02-28", None, None, 1000, 1000, 500, None, None, None, None, None,
     None, None, "是", None],
    ["P6", "昭阳区污水处理厂提标改造", "昭阳区住房城乡建设局", "昭阳区", 0.8, "新开工", "2026-06-15", None,
     "国有", "生态环保", 3000, None, None, None, None, None, None, None, None, None, None, None,
     "2026-04-30", "2026-05-10", None, None, None],
    ["P7", "巧家县游客服务中心", "巧家县文化和旅游局", "巧家县", 0.5, "新开工", None, None, "国有", "其他", 0,
     None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None],
]  # fmt: skip
# Row number (in the sheet) -> (column, faulty value); rows 6..14 are P-rows built from ROWS[1].
FAULTS: dict[int, dict[int, Any]] = {
    6: {6: "五十亿"},
    7: {5: "宣威市"},
    8: {9: "2026-13-01"},
    9: {11: "工业"},
    10: {6: 20, 12: 600000},
    11: {2: "P1"},
    12: {9: "2026-05-01", 15: "2026-04-05"},
    13: {19: "-500"},
    14: {3: None, 13: "有"},
}


def _sheet(book: Workbook) -> Any:
    sheet = book.active
    sheet.title = "重点项目台账"
    sheet["A1"] = "昭通市2026年重点项目建设推进台账"
    sheet.merge_cells("A1:AB1")
    sheet["A2"] = "填报单位(盖章):昭通市发展和改革委员会        单位:万元"
    for col, text in SINGLE.items():
        sheet.cell(3, col, text)
        sheet.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    for col, (title, subs) in GROUPS.items():
        sheet.cell(3, col, title)
        sheet.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + len(subs) - 1)
        for offset, text in enumerate(subs):
            sheet.cell(4, col + offset, text)
    return sheet


def _write_row(sheet: Any, row: int, number: int, values: list[Any]) -> None:
    sheet.cell(row, 1, number)
    for col, value in enumerate(values, start=2):
        sheet.cell(row, col, value)


def _total_row(sheet: Any, row: int) -> None:
    sheet.cell(row, 1, "合计")
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    sheet.cell(row, 12, f"=SUM(L5:L{row - 1})")


def county_ledger() -> Workbook:
    book = Workbook()
    sheet = _sheet(book)
    for number, values in enumerate(ROWS, start=1):
        _write_row(sheet, 4 + number, number, values)
    _total_row(sheet, 5 + len(ROWS))
    return book


def faulty_ledger() -> Workbook:
    book = Workbook()
    sheet = _sheet(book)
    _write_row(sheet, 5, 1, ROWS[1])
    for row, changes in FAULTS.items():
        values = [f"Q{row}", *ROWS[1][1:]]
        for col, value in changes.items():
            values[col - 2] = value
        _write_row(sheet, row, row - 4, values)
    _write_row(sheet, 15, 11, ROWS[6])
    _total_row(sheet, 16)
    return book


if __name__ == "__main__":
    county_ledger().save(HERE / "county-ledger.xlsx")
    faulty_ledger().save(HERE / "faulty-ledger.xlsx")
