"""Reading a filled template back: every fault listed by sheet and cell, then all rows applied or none.

Checks, in order, all of them always run so that one upload lists every fault: the file is an .xlsx;
the hidden identity sheet is there and its checksum holds; the template is for this unit and period;
no merged cells; each indicator row is found by its hidden id (inserted, empty, duplicated or deleted
rows are named); fixed cells (name, unit, target) are unchanged; input cells hold no formulas and
nothing is typed where the indicator takes no input; and each figure passes the same checks as the
web form. The figures are written in a savepoint that is rolled back if anything at all was wrong.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from duban.choices import EntryState
from duban.exchange.archive import TEMPLATE_LIMITS, column_letters, workbook_fault
from duban.exchange.ledger import unescape_formula
from duban.exchange.template import (
    COLUMNS,
    FIELD_COLUMNS,
    FIRST_ROW,
    ID_COLUMN,
    META_SHEET,
    MODE_COLUMNS,
    SHEET,
    checksum,
    plain,
)
from duban.persistence.db import Session
from duban.persistence.models import EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.progress.validation import InputMode
from duban.services.entries import (
    ConflictError,
    ValidationFailed,
    Writer,
    entry_versions,
    save_figure,
    submit_entries,
)
from duban.services.periods import PeriodClosed, WorkflowError, closed_year_reason, period_label
from duban.services.plans import indicator_from_row

INPUT_COLUMNS = ("H", "I", "J", "K", "L", "M", "N")
FIELD_NAMES = {
    "H": "本期数值",
    "I": "分子",
    "J": "分母",
    "K": "阶段",
    "L": "阶段日期",
    "M": "备注",
    "N": "确认异常",
}
YES, NO = "是", "否"
SPARE_ROWS = 50  # rows read past the template's table, where stray rows are most likely


@dataclass(frozen=True)
class Fault:
    """One problem of an uploaded workbook, at a sheet and cell (or row) when it has one."""

    message: str
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        where += f"单元格 {self.cell}" if self.cell and self.cell[0].isascii() else (self.cell or "")
        return f"{where}：{self.message}" if where else self.message


class ImportRefused(WorkflowError):
    """The workbook was refused and nothing was changed; `faults` lists every problem."""

    def __init__(self, faults: list[Fault]) -> None:
        super().__init__(f"共 {len(faults)} 处问题，未导入任何数据：\n" + "\n".join(str(f) for f in faults))
        self.faults = faults


@dataclass
class _Reading:
    faults: list[Fault] = field(default_factory=list)

    def add(self, message: str, cell: str | None = None, sheet: str | None = SHEET) -> None:
        self.faults.append(Fault(message, sheet, cell))


@dataclass(frozen=True)
class ImportResult:
    """What an accepted upload did."""

    unit: str
    period: str
    entries: list[EntryRow]
    submitted: bool
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        """What the upload did, truthfully: figures added, updated and left as they were, and the submission."""
        counts = f"新增 {self.added} 项、更新 {self.updated} 项、未变 {self.unchanged} 项"
        if self.submitted:
            state = "，并已提交审核"
        elif self.added or self.updated:
            state = "（填报状态，尚未提交）"
        else:
            state = "（与已保存的数据相同，未写入任何改动）"
        return f"已从 Excel 导入{self.unit}{self.period}的数据：{counts}{state}。"


def import_workbook(
    *, session: Session, content: bytes, key: str, plan_row: PlanRow, writer: Writer,
    unit: OrgUnitRow | None = None, period: PeriodRow | None = None, submit: bool = True,
) -> ImportResult:  # fmt: skip
    """Check the whole workbook and apply every figure, or raise ImportRefused and change nothing.

    `unit` and `period`, when given, are what the uploader is entitled to / uploading for; the
    template must be for them.
    """
    reading = _Reading()
    workbook = _open(content)
    meta = _meta(workbook, key, reading)
    unit, period = _target(session, meta, plan_row, unit, period, reading)
    ws = workbook[SHEET] if SHEET in workbook.sheetnames else None
    if ws is None:
        reading.add(f"找不到工作表“{SHEET}”", sheet=None)
    if ws is None or unit is None or period is None or not meta:
        raise ImportRefused(reading.faults)
    if closed := closed_year_reason(plan_row):  # a closed year refuses the whole workbook, as every write
        raise PeriodClosed(closed)
    rows = _layout(ws, meta, reading)
    before = _versions(session, unit, period)
    entries = _apply(session, ws, rows, plan_row, unit, period, writer, reading, submit)
    if reading.faults:
        raise ImportRefused(reading.faults)
    added = sum(1 for e in entries if e.indicator_id not in before)
    updated = sum(1 for e in entries if e.indicator_id in before and before[e.indicator_id] != e.version)
    changed = [e for e in entries if e.state in (EntryState.DRAFT, EntryState.RETURNED)]
    if submit and changed:
        submit_entries(session=session, plan_row=plan_row, unit_id=unit.id, period=period, writer=writer)
    return ImportResult(unit.name, period_label(period, plan_row.year), entries, submit and bool(changed),
                        added, updated, len(entries) - added - updated)  # fmt: skip


def _versions(session: Session, unit: OrgUnitRow, period: PeriodRow) -> dict[int, int]:
    """Indicator id -> version of the unit's figures of the period before the upload."""
    return entry_versions(session=session, unit_id=unit.id, period_id=period.id)


def _open(content: bytes) -> Workbook:
    fault = workbook_fault(content, limits=TEMPLATE_LIMITS)
    if fault:
        raise ImportRefused([Fault(fault)])
    try:
        return load_workbook(BytesIO(content), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ImportRefused([Fault(f"无法读取工作簿：{type(exc).__name__}")]) from None


def _meta(workbook: Workbook, key: str, reading: _Reading) -> dict[str, Any]:
    if META_SHEET not in workbook.sheetnames:
        reading.add("找不到模板标识（隐藏工作表“_duban”）：此文件不是 duban 下载的填报模板，或另存时丢失了标识，"
                    "请重新下载模板填写", sheet=None)  # fmt: skip
        return {}
    sheet = workbook[META_SHEET]
    payload, sent = str(sheet["A1"].value or ""), str(sheet["A2"].value or "")
    try:
        meta: dict[str, Any] = json.loads(payload)
    except ValueError:
        reading.add("模板标识已损坏，请重新下载模板", "A1", META_SHEET)
        return {}
    if not sent or not _same(checksum(payload, key), sent):
        reading.add(
            "模板校验码不符：模板标识被改动过，或不是本系统生成的模板，请重新下载模板", "A2", META_SHEET
        )
    return meta


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.strip().encode())


def _target(
    session: Session, meta: dict[str, Any], plan_row: PlanRow, unit: OrgUnitRow | None,
    period: PeriodRow | None, reading: _Reading,
) -> tuple[OrgUnitRow | None, PeriodRow | None]:  # fmt: skip
    if not meta:
        return unit, period
    if meta.get("plan") != plan_row.id:
        reading.add(f"这是{meta.get('year')}年计划的模板，不属于当前计划", sheet=None)
    own_unit = session.get(OrgUnitRow, meta.get("unit") or 0)
    own_period = session.get(PeriodRow, meta.get("period") or 0)
    if unit is not None and own_unit is not None and own_unit.id != unit.id:
        reading.add(f"这是“{own_unit.name}”的模板，不能作为“{unit.name}”的数据上传", sheet=None)
    if period is not None and own_period is not None and own_period.id != period.id:
        reading.add(f"这是{period_label(own_period, plan_row.year)}的模板，当前上传的报送期是"
                    f"{period_label(period, plan_row.year)}", sheet=None)  # fmt: skip
    if own_unit is None or own_period is None:
        reading.add("模板标识中的单位或报送期不存在，请重新下载模板", sheet=None)
    return own_unit, own_period


def _layout(ws: Worksheet, meta: dict[str, Any], reading: _Reading) -> dict[int, dict[str, Any]]:
    """Sheet row number -> the meta row of the indicator it holds; faults for every stray row."""
    for merged in ws.merged_cells.ranges:
        reading.add("为合并单元格，请取消合并", merged.coord)
    wanted = {int(r["id"]): r for r in meta.get("rows", [])}
    found: dict[int, dict[str, Any]] = {}
    seen: dict[int, int] = {}
    last = min(ws.max_row, _last_readable_row(wanted))
    table_end = _last_indicator_row(ws, wanted, last)
    for number in range(FIRST_ROW, last + 1):
        _place(ws, number, wanted, found, seen, table_end, reading)
    _refuse_beyond(ws, last, reading)
    for indicator_id, row in wanted.items():
        if indicator_id not in seen:
            reading.add(f"指标 {row['code']}“{row['name']}”所在的行被删除，请使用原模板")
    return found


def _place(
    ws: Worksheet, number: int, wanted: dict[int, dict[str, Any]], found: dict[int, dict[str, Any]],
    seen: dict[int, int], table_end: int, reading: _Reading,
) -> None:  # fmt: skip
    hidden = ws[f"{ID_COLUMN}{number}"].value
    indicator_id = int(hidden) if isinstance(hidden, int | float) and int(hidden) in wanted else None
    if indicator_id is None:
        if _row_empty(ws, number) and number <= table_end:
            reading.add("为空行（表格中间插入了行），请删除该行", f"第 {number} 行")
        elif not _row_empty(ws, number):
            reading.add(
                "不是模板中的指标行（可能新增、复制了行或改动了隐藏编号），请删除该行", f"第 {number} 行"
            )
        return
    if indicator_id in seen:
        reading.add(f"与第 {seen[indicator_id]} 行是同一指标（行被复制），请删除重复的行", f"第 {number} 行")
        return
    seen[indicator_id] = number
    found[number] = wanted[indicator_id]


def _row_empty(ws: Worksheet, number: int) -> bool:
    return all(_blank(ws[f"{letter}{number}"].value) for letter, _, _ in COLUMNS)


def _last_readable_row(wanted: dict[int, dict[str, Any]]) -> int:
    """The template's shape bounds what is read, never the sheet's own `max_row`."""
    return FIRST_ROW + len(wanted) + SPARE_ROWS


def _refuse_beyond(ws: Worksheet, last: int, reading: _Reading) -> None:
    """One fault for the first filled cell below the rows a template can have."""
    beyond = sorted((row, column) for (row, column), cell in ws._cells.items()
                    if row > last and not _blank(cell.value))  # fmt: skip
    if beyond:
        row, column = beyond[0]
        reading.add(f"第 {row} 行远在模板的表格以下（表格止于第 {last - SPARE_ROWS - 1} 行），请删除表格以下的内容",
                    f"{column_letters(column)}{row}")  # fmt: skip


def _last_indicator_row(ws: Worksheet, wanted: dict[int, dict[str, Any]], last: int) -> int:
    """The last row holding the first occurrence of a template indicator: the end of the table."""
    first: dict[int, int] = {}
    for number in range(FIRST_ROW, last + 1):
        hidden = ws[f"{ID_COLUMN}{number}"].value
        if isinstance(hidden, int | float) and int(hidden) in wanted:
            first.setdefault(int(hidden), number)
    return max(first.values(), default=0)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _apply(
    session: Session, ws: Worksheet, rows: dict[int, dict[str, Any]], plan_row: PlanRow, unit: OrgUnitRow,
    period: PeriodRow, writer: Writer, reading: _Reading, submit: bool,
) -> list[EntryRow]:  # fmt: skip
    entries: list[EntryRow] = []
    savepoint = session.begin_nested()
    for number, meta_row in rows.items():
        entry = _apply_row(session, ws, number, meta_row, plan_row, unit, period, writer, reading, submit)
        if entry is not None:
            entries.append(entry)
    if reading.faults:
        savepoint.rollback()
        return []
    savepoint.commit()
    return entries


def _apply_row(
    session: Session, ws: Worksheet, number: int, meta_row: dict[str, Any], plan_row: PlanRow,
    unit: OrgUnitRow, period: PeriodRow, writer: Writer, reading: _Reading, submit: bool,
) -> EntryRow | None:  # fmt: skip
    before = len(reading.faults)
    _check_fixed(ws, number, meta_row, reading)
    raw, confirmed = _read_inputs(ws, number, meta_row, reading)
    row = session.get(IndicatorRow, int(meta_row["id"]))
    if row is None or len(reading.faults) > before:
        return None
    if meta_row.get("stored_unit", row.unit) != row.unit:
        reading.add(f"该指标的计量单位已改为“{row.unit}”，请重新下载填报模板", f"D{number}")
        return None
    try:
        return save_figure(session=session, plan_row=plan_row, indicator=indicator_from_row(row),
                           indicator_id=row.id, unit=unit, period=period, raw=raw,
                           writer=writer, expected_version=int(meta_row.get("version", 0)), confirmed=confirmed,
                           submitting=submit, display_unit=_typed_in(meta_row),
                           reason=str(raw.get("note") or "") or None)  # fmt: skip  # the row's note explains a correction
    except ValidationFailed as failed:
        for problem in failed.problems:
            reading.add(f"{problem.label}{'（需确认）' if problem.warning else ''}：{problem.message}",
                        f"{FIELD_COLUMNS.get(problem.field, 'H')}{number}")  # fmt: skip
    except PeriodClosed as closed:
        if all(f.message != str(closed) for f in reading.faults):
            reading.add(str(closed), sheet=None)
    except ConflictError as conflict:
        reading.add(f"模板下载后此数据已有改动：{conflict}", f"B{number}")
    except WorkflowError as refused:
        reading.add(str(refused), f"B{number}")
    return None


def _typed_in(meta_row: dict[str, Any]) -> str | None:
    """The unit the row's figures were typed in: its display unit (万元); a first-format template's are stored units."""
    return str(meta_row["unit"]) if "stored_unit" in meta_row else None


def _check_fixed(ws: Worksheet, number: int, meta_row: dict[str, Any], reading: _Reading) -> None:
    expected = {"B": ("指标编号", meta_row["code"]), "C": ("指标名称", meta_row["name"]),
                "D": ("计量单位", meta_row["unit"]), "F": ("本单位目标", meta_row["target"])}  # fmt: skip
    for letter, (label, value) in expected.items():
        shown = _text(ws[f"{letter}{number}"].value)
        if shown != str(value):
            reading.add(f"{label}被改动（模板为“{value}”，现为“{shown}”），{label}不能在填报表中修改",
                        f"{letter}{number}")  # fmt: skip


def _text(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return plain(Decimal(str(value)))
    return "" if value is None else unescape_formula(str(value).strip())


def _read_inputs(
    ws: Worksheet, number: int, meta_row: dict[str, Any], reading: _Reading
) -> tuple[dict[str, object], bool]:
    mode = InputMode(meta_row["mode"])
    raw: dict[str, object] = {}
    for letter in INPUT_COLUMNS:
        cell = ws[f"{letter}{number}"]
        if _is_formula(cell):
            reading.add(
                f"{FIELD_NAMES[letter]}含公式“{cell.value}”，请直接填写数值而不是公式", cell.coordinate
            )
        elif letter not in MODE_COLUMNS[mode] and not _blank(cell.value):
            reading.add(f"本指标不填“{FIELD_NAMES[letter]}”（{_mode_hint(mode)}），请清空", cell.coordinate)
        else:
            raw[_field(letter)] = _cell_value(cell, meta_row)
    return raw, _confirmed(raw.pop("confirm", None), f"N{number}", reading)


def _mode_hint(mode: InputMode) -> str:
    return {InputMode.VALUE: "只填本期数值", InputMode.RATIO: "只填分子和分母，比率由系统计算",
            InputMode.STAGE: "只选阶段并填日期"}[mode]  # fmt: skip


def _field(letter: str) -> str:
    return next(name for name, column in FIELD_COLUMNS.items() if column == letter)


def _is_formula(cell: Cell) -> bool:
    return cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("="))


def _cell_value(cell: Cell, meta_row: dict[str, Any]) -> object:
    """A percent-formatted number (0.85 shown as 85%) is read as the percent number for % indicators."""
    value = unescape_formula(cell.value) if isinstance(cell.value, str) else cell.value
    percent_cell = "%" in (cell.number_format or "") and meta_row["unit"] in ("%", "百分点")
    if (
        percent_cell
        and cell.column_letter == "H"
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return Decimal(str(value)) * 100
    return value


def _confirmed(raw: object, cell: str, reading: _Reading) -> bool:
    text = "" if raw is None else str(raw).strip()
    if text not in ("", YES, NO):
        reading.add(f"确认异常只能填“是”或“否”，而不是“{text}”", cell)
    return text == YES
