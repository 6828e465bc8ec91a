"""The Excel reporting template: one unit, one period, its indicators, locked except for the inputs.

The workbook carries a hidden, protected sheet `_duban` with the template's identity (plan, unit,
period, each indicator row's id, code, name, unit, target and the figure's version) as JSON, and an
HMAC-SHA256 of that JSON under the site's secret key, so a template for another unit or period, or one
whose identity was edited, is recognised on upload. Each indicator row also carries its indicator id in
hidden column O, so rows are matched by id, not by position. Only plain cells, sheet protection, data
validation and hidden sheets/columns are used, which WPS and Excel both keep.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from duban.choices import IndicatorKind, MilestoneStage
from duban.exchange.ledger import escape_formula
from duban.persistence.db import Session
from duban.persistence.models import OrgUnitRow, PeriodRow, PlanRow
from duban.plan.units import display_scale, exact_number, to_display
from duban.progress.validation import InputMode, input_mode
from duban.services.entries import SheetRow, unit_sheet
from duban.services.periods import period_key, period_label
from duban.services.plans import plan_from_store

SHEET = "填报"
META_SHEET = "_duban"
FORMAT = 2  # 2: figures in each row's display unit (万元), its stored unit and the conversion in the identity
HEADER_ROW = 4
FIRST_ROW = 5
ID_COLUMN = "O"
PROTECTION_PASSWORD = "duban"  # keeps the layout from accidental edits; the checksum guards the rest
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("A", "序号", 6), ("B", "指标编号", 10), ("C", "指标名称", 40), ("D", "计量单位", 9), ("E", "填报方式", 16),
    ("F", "本单位目标", 12), ("G", "上次报送数值", 12), ("H", "本期数值", 14), ("I", "分子", 12), ("J", "分母", 12),
    ("K", "阶段", 10), ("L", "阶段日期", 12), ("M", "备注（滞后或异常须说明）", 36), ("N", "确认异常", 10),
    (ID_COLUMN, "id", 6),
)  # fmt: skip
FIELD_COLUMNS = {"value": "H", "numerator": "I", "denominator": "J", "stage": "K", "stage_date": "L",
                 "note": "M", "confirm": "N"}  # fmt: skip
MODE_COLUMNS = {
    InputMode.VALUE: ("H", "M", "N"),
    InputMode.RATIO: ("I", "J", "M", "N"),
    InputMode.STAGE: ("K", "L", "M", "N"),
}
MODE_LABELS = {
    InputMode.VALUE: "填本期数值",
    InputMode.RATIO: "填分子、分母",
    InputMode.STAGE: "选阶段并填日期",
}
INPUT_FILL = PatternFill("solid", fgColor="FFF9E5")
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")


@dataclass(frozen=True)
class TemplateIdentity:
    """Who and when a template is for."""

    plan_id: int
    year: int
    unit_id: int
    unit_name: str
    period_id: int
    period_key: str
    period_label: str
    title: str


def checksum(payload: str, key: str) -> str:
    """The HMAC-SHA256 of a template's identity under the site key."""
    return hmac.new(key.encode(), f"duban-template|{payload}".encode(), hashlib.sha256).hexdigest()


def plain(number: Decimal | None) -> str:
    """A number as text without exponent or trailing zeros ('740', '12.5')."""
    return "" if number is None else exact_number(Decimal(number))


def build_template(*, identity: TemplateIdentity, sheet: list[SheetRow], key: str) -> bytes:
    """The .xlsx workbook of one unit's indicators for one period."""
    workbook = Workbook()
    main = workbook.active
    assert main is not None
    main.title = SHEET
    _write_header(main, identity)
    for index, row in enumerate(sheet):
        _write_row(main, FIRST_ROW + index, index + 1, row)
    _add_validations(main, sheet)
    _protect(main)
    _write_meta(workbook, identity, sheet, key)
    workbook.security = WorkbookProtection(workbookPassword=PROTECTION_PASSWORD, lockStructure=True)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def meta_payload(identity: TemplateIdentity, sheet: list[SheetRow]) -> dict[str, Any]:
    """The identity the hidden sheet carries, as plain JSON data."""
    return {
        "format": FORMAT, "plan": identity.plan_id, "year": identity.year, "unit": identity.unit_id,
        "unit_name": identity.unit_name, "period": identity.period_id, "period_key": identity.period_key,
        "issued": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": [
            {"id": r.row.id, "code": r.indicator.id, "name": r.indicator.name, "unit": r.indicator.shown_unit,
             "stored_unit": r.indicator.unit, "target": plain(_shown(r, r.target)),
             "mode": input_mode(r.indicator).value, "version": r.entry.version if r.entry else 0}
            for r in sheet
        ],
    }  # fmt: skip


def _write_header(ws: Worksheet, identity: TemplateIdentity) -> None:
    ws["A1"] = escape_formula(f"{identity.title} 进度填报表")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"填报单位：{identity.unit_name}    报送期：{identity.period_label}"
    ws["A3"] = ("说明：只填写黄色单元格；数值按“计量单位”列的单位填写（如万元），系统按“填报方式”列所示换算后保存；"
                "累计指标填写年初至今累计数；比率类填写分子和分母，比率由系统计算；"
                "滞后于序时进度或数据异常须在备注中说明；异常数据确认无误请在“确认异常”选“是”。")  # fmt: skip
    for letter, header, width in COLUMNS:
        cell = ws[f"{letter}{HEADER_ROW}"]
        cell.value, cell.font = header, Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[letter].width = width
    ws.column_dimensions[ID_COLUMN].hidden = True
    ws.freeze_panes = f"C{FIRST_ROW}"


def _write_row(ws: Worksheet, number: int, position: int, row: SheetRow) -> None:
    mode = input_mode(row.indicator)
    fixed = {"A": position, "B": row.indicator.id, "C": row.indicator.name, "D": row.indicator.shown_unit,
             "E": _mode_label(row), "F": float(_shown(row, row.target)), "G": _previous(row),
             ID_COLUMN: row.row.id}  # fmt: skip
    for letter, value in fixed.items():
        ws[f"{letter}{number}"] = escape_formula(value) if isinstance(value, str) else value
    for letter in ("H", "I", "J", "K", "L", "M", "N"):
        cell = ws[f"{letter}{number}"]
        editable = letter in MODE_COLUMNS[mode]
        cell.protection = Protection(locked=not editable)
        cell.fill = INPUT_FILL if editable else LOCKED_FILL
    ws[f"L{number}"].number_format = "yyyy-mm-dd"
    _prefill(ws, number, row)


def _prefill(ws: Worksheet, number: int, row: SheetRow) -> None:
    """A figure already entered this period (e.g. returned for correction) is shown for editing."""
    entry = row.entry
    if entry is None:
        return
    value = entry.value if input_mode(row.indicator) is InputMode.VALUE else None
    values = {"H": None if value is None else _shown(row, value),
              "I": entry.numerator, "J": entry.denominator}  # fmt: skip
    for letter, value in values.items():
        if value is not None:
            ws[f"{letter}{number}"] = float(value)
    if entry.stage:
        ws[f"K{number}"] = MilestoneStage(entry.stage).label
    ws[f"L{number}"], ws[f"M{number}"] = entry.stage_date, escape_formula(entry.note or "") or None


def _previous(row: SheetRow) -> str | float | None:
    entry = row.previous
    if entry is None:
        return None
    stage = entry.official_stage or entry.stage
    if stage:
        return MilestoneStage(stage).label
    value = entry.official_value if entry.official_value is not None else entry.value
    return float(_shown(row, value)) if value is not None else None


def _shown(row: SheetRow, value: Decimal) -> Decimal:
    """A stored figure in the row's display unit, exactly (36533493 元 → 3653.3493 万元)."""
    return to_display(Decimal(value), unit=row.indicator.unit, display_unit=row.indicator.shown_unit)


def _mode_label(row: SheetRow) -> str:
    """What to fill in, with the conversion to the stored unit where they differ: 填本期数值(1万元=10000元)."""
    mode, ind = input_mode(row.indicator), row.indicator
    if mode is not InputMode.VALUE or ind.shown_unit == ind.unit:
        return MODE_LABELS[mode]
    size = plain(display_scale(unit=ind.unit, display_unit=ind.shown_unit))
    return f"{MODE_LABELS[mode]}(1{ind.shown_unit}={size}{ind.unit})"


def _add_validations(ws: Worksheet, sheet: list[SheetRow]) -> None:
    last = FIRST_ROW + max(len(sheet), 1) - 1
    numbers = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             errorTitle="数值有误", error="请填写不小于 0 的数字", showErrorMessage=True)  # fmt: skip
    growth = DataValidation(type="decimal", operator="between", formula1="-1000", formula2="100000",
                            allow_blank=True, error="请填写数字", showErrorMessage=True)  # fmt: skip
    stages = DataValidation(type="list", formula1='"' + ",".join(s.label for s in MilestoneStage) + '"',
                            allow_blank=True, error="请从列表中选择阶段", showErrorMessage=True)  # fmt: skip
    dates = DataValidation(type="date", operator="between", formula1="DATE(2000,1,1)", formula2="DATE(2100,12,31)",
                           allow_blank=True, error="请填写日期，如 2026-06-15", showErrorMessage=True)  # fmt: skip
    confirm = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True)
    for validation in (numbers, growth, stages, dates, confirm):
        ws.add_data_validation(validation)
    for index, row in enumerate(sheet):
        number = FIRST_ROW + index
        is_growth = (
            row.indicator.kind is IndicatorKind.GROWTH and input_mode(row.indicator) is InputMode.VALUE
        )
        (growth if is_growth else numbers).add(f"H{number}")
    numbers.add(f"I{FIRST_ROW}:J{last}")
    stages.add(f"K{FIRST_ROW}:K{last}")
    dates.add(f"L{FIRST_ROW}:L{last}")
    confirm.add(f"N{FIRST_ROW}:N{last}")


def _protect(ws: Worksheet) -> None:
    ws.protection.sheet = True
    ws.protection.password = PROTECTION_PASSWORD
    ws.protection.formatColumns = False  # reporters may widen columns to read long names


def _write_meta(workbook: Workbook, identity: TemplateIdentity, sheet: list[SheetRow], key: str) -> None:
    meta = workbook.create_sheet(META_SHEET)
    payload = json.dumps(meta_payload(identity, sheet), ensure_ascii=False, sort_keys=True)
    meta["A1"], meta["A2"] = payload, checksum(payload, key)
    meta["A3"] = "duban 模板标识，请勿修改或删除"
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    meta.protection.password = PROTECTION_PASSWORD


def make_template(
    *, session: Session, plan_row: PlanRow, unit: OrgUnitRow, period: PeriodRow, key: str
) -> bytes:
    """The template workbook for `unit` and `period`, with targets and last period's figures filled in."""
    plan = plan_from_store(session=session, plan_row=plan_row, month=period.month)
    sheet = unit_sheet(session=session, plan=plan, plan_row=plan_row, unit=unit, period=period)
    identity = TemplateIdentity(
        plan_id=plan_row.id, year=plan_row.year, unit_id=unit.id, unit_name=unit.name, period_id=period.id,
        period_key=period_key(period, plan_row.year), period_label=period_label(period, plan_row.year),
        title=plan_row.title,
    )  # fmt: skip
    return build_template(identity=identity, sheet=sheet, key=key)


def template_filename(*, unit: OrgUnitRow, period: PeriodRow, year: int) -> str:
    """A file name that says whose and which period's template it is."""
    return f"{unit.name}-{period_key(period, year)}-进度填报.xlsx"
