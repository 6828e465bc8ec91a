"""The 项目台账 workbook as offices keep it: reading it into projects and writing projects back out.

Reading:
- the header is the row holding 项目名称 (within the first 10 rows), plus the row under it when the
  header has merged cells (a group title such as 开工时间 over 计划 / 实际, or 月度完成投资 over 1月…12月);
- columns are matched by header name, in any order; unknown columns (序号, 备注, 累计…) are ignored;
- amounts are in 亿元, 万元 or 元 as the column's header (or its group header, or a 单位:万元 note
  above the table) says; they are stored in 元;
- rows named 合计 / 小计 / 总计 and empty rows are skipped;
- every fault of a row is reported in one message with its row number, and nothing is returned
  unless every row is good (all or nothing).
Writing produces the same shape: a title row, two merged header rows, amounts in 万元, and text that
starts with = + - @ prefixed with an apostrophe so that no spreadsheet runs it as a formula (reading
removes that apostrophe again).
"""

from __future__ import annotations

import calendar
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import ValidationError

from duban.choices import InvestorType, LabelledEnum, ProjectCategory, ProjectKind, ProjectMilestone
from duban.exchange.archive import workbook_fault
from duban.plaintext import xml_safe
from duban.projects.model import Project

UNITS = {"亿元": Decimal(100_000_000), "万元": Decimal(10_000), "元": Decimal(1)}
REQUIRED = ("code", "name", "county", "category", "kind", "owner", "investor", "total", "year_plan")
FIELD_NAMES = {
    "code": "项目编号", "name": "项目名称", "county": "县（市、区）", "category": "项目类别",
    "kind": "建设性质", "two_major": "“两重”项目", "provincial_major": "省级重大项目",
    "cluster": "产业集群", "owner": "业主单位", "investor": "投资主体", "total": "总投资",
    "year_plan": "年度计划投资",
}  # fmt: skip
_FIELD_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("year_plan", ("计划投资",)),
    ("total", ("总投资",)),
    ("code", ("项目编号", "项目代码", "项目编码")),
    ("name", ("项目名称",)),
    ("county", ("县（市、区）", "县市区", "所属县", "县区", "属地")),
    ("category", ("项目类别", "项目类型", "行业类别")),
    ("kind", ("建设性质", "新开工/续建", "新建/续建", "项目性质")),
    ("two_major", ("两重",)),
    ("provincial_major", ("省级重大",)),
    ("cluster", ("产业集群",)),
    ("owner", ("业主单位", "项目业主", "责任单位")),
    ("investor", ("投资主体", "投资类型")),
)
_MILESTONE_WORDS = (
    (ProjectMilestone.LAND, ("用地",)),
    (ProjectMilestone.EIA, ("环评",)),
    (ProjectMilestone.APPROVAL, ("立项", "审批", "备案", "核准")),
    (ProjectMilestone.REGISTERED, ("入库", "纳统")),
    (ProjectMilestone.COMPLETED, ("竣工", "投产")),
    (ProjectMilestone.START, ("开工",)),
)
_ALIASES = {
    "新建": "new", "新开": "new", "民营": "private", "私营": "private", "政府": "state", "国企": "state",
    "外商": "foreign", "港澳台": "foreign", "基础设施建设": "infrastructure", "民生": "livelihood",
    "社会事业": "livelihood", "生态": "ecology", "环保": "ecology",
}  # fmt: skip
_TRUE = {"是", "√", "✓", "y", "yes", "true", "1"}
_FALSE = {"", "否", "×", "n", "no", "false", "0", "-", "/"}
_SKIP_ROW = re.compile(r"^(合计|小计|总计)")
_UNIT_NOTE = re.compile(r"单位：\s*(亿元|万元|元)")
FULL_WIDTH = str.maketrans("():", "（）：")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class LedgerError(Exception):
    """A workbook that cannot be imported, with every fault (header faults, then one line per bad row)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Column:
    """One matched column: which field it feeds and the multiplier of its amounts."""

    index: int
    key: str
    label: str
    scale: Decimal | None


def normalise(text: Any) -> str:
    """Header text without spaces or line breaks, its brackets and colons full-width as the field names write
    them: "县(市、区)" and "县（市、区）" both read 县（市、区）."""
    if text is None:
        return ""
    text = str(text).translate(FULL_WIDTH)
    return re.sub(r"\s+", "", text)


def field_of(label: str) -> str | None:
    """The field a header label names: a plain field, `milestone:start:planned`, `month:3`, or None."""
    label = normalise(label)
    month = re.findall(r"(\d{1,2})月", label)
    if month and "投资" in label and "完成" in label and 1 <= int(month[-1]) <= 12:
        return f"month:{int(month[-1])}"
    if "投资" not in label and ("计划" in label or "实际" in label):
        for milestone, words in _MILESTONE_WORDS:
            if any(w in label for w in words):
                return f"milestone:{milestone.value}:{'actual' if '实际' in label else 'planned'}"
    return next((key for key, words in _FIELD_RULES if any(w in label for w in words)), None)


def amount_scale(label: str, sheet_unit: Decimal | None) -> Decimal | None:
    """The multiplier to 元 that a header (else the sheet's 单位 note) gives its amounts."""
    for unit in ("亿元", "万元"):
        if unit in label:
            return UNITS[unit]
    return UNITS["元"] if re.search(r"（元）|元$", label) else sheet_unit


# ── Reading ──────────────────────────────────────────────────────────────────────────────────────


def read_ledger(data: bytes, *, counties: Sequence[str]) -> list[Project]:
    """The projects of a 项目台账 workbook (first sheet), or LedgerError listing every fault."""
    fault = workbook_fault(data)
    if fault:
        raise LedgerError([f"无法读取工作簿：{fault}"])
    try:
        sheet = load_workbook(io.BytesIO(data), data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise LedgerError([f"无法读取工作簿：{exc}"]) from exc
    header_row, rows = find_header(sheet)
    columns = match_columns(sheet, header_row, rows)
    return read_rows(sheet, columns, first_row=header_row + rows, counties=counties)


def find_header(sheet: Worksheet) -> tuple[int, int]:
    """The header's first row and how many rows it spans (2 when it has merged cells)."""
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 10)):
        if any("项目名称" in normalise(c.value) for c in row):
            first = row[0].row
            merged = any(r.min_row == first and (r.max_row > first or r.max_col > r.min_col)
                         for r in sheet.merged_cells.ranges)  # fmt: skip
            return first, 2 if merged else 1
    raise LedgerError(["表头：前10行中没有找到“项目名称”列，无法识别台账表头"])


def _header_texts(sheet: Worksheet, row: int) -> dict[int, str]:
    texts = {c.column: normalise(c.value) for c in sheet[row]}
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row:
            anchor = normalise(sheet.cell(merged.min_row, merged.min_col).value)
            texts |= {col: anchor for col in range(merged.min_col, merged.max_col + 1)}
    return texts


def match_columns(sheet: Worksheet, header_row: int, rows: int) -> list[Column]:
    """The columns of the header whose names duban knows; LedgerError for missing or repeated ones."""
    top = _header_texts(sheet, header_row)
    sub = _header_texts(sheet, header_row + 1) if rows == 2 else {}
    sheet_unit = _sheet_unit(sheet, header_row)
    columns, problems = [], []
    for index, text in sorted(top.items()):
        below = sub.get(index, "")
        label = text if below in ("", text) else text + below
        key = field_of(label)
        if key is None:
            continue
        scale = amount_scale(label, sheet_unit) if _is_amount(key) else Decimal(1)
        if scale is None:
            problems.append(
                f"表头 {get_column_letter(index)}{header_row}“{label}”：未写明金额单位（万元或亿元）"
            )
        columns.append(Column(index, key, label, scale))
    problems += _column_faults(columns, header_row)
    if problems:
        raise LedgerError(problems)
    return columns


def _is_amount(key: str) -> bool:
    return key in ("total", "year_plan") or key.startswith("month:")


def _sheet_unit(sheet: Worksheet, header_row: int) -> Decimal | None:
    for row in sheet.iter_rows(min_row=1, max_row=header_row - 1):
        for cell in row:
            found = _UNIT_NOTE.search(normalise(cell.value))
            if found:
                return UNITS[found.group(1)]
    return None


def _column_faults(columns: list[Column], header_row: int) -> list[str]:
    seen: dict[str, Column] = {}
    problems = []
    for column in columns:
        if column.key in seen:
            first = get_column_letter(seen[column.key].index)
            problems.append(
                f"表头 {get_column_letter(column.index)}{header_row}“{column.label}”与 {first} 列重复"
            )
        seen.setdefault(column.key, column)
    missing = [FIELD_NAMES[key] for key in REQUIRED if key not in seen]
    if missing:
        problems.append(f"表头：缺少必填列 {'、'.join(missing)}")
    return problems


def read_rows(
    sheet: Worksheet, columns: list[Column], *, first_row: int, counties: Sequence[str]
) -> list[Project]:
    """Every data row as a project; LedgerError with one message per bad row if any row is bad."""
    projects: list[Project] = []
    problems: list[str] = []
    codes: dict[str, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        cells = {c.key: row[c.index - 1].value if c.index <= len(row) else None for c in columns}
        if _skipped(cells, [normalise(c.value) for c in row[:4]]):
            continue
        number = row[0].row
        project, faults = parse_row(cells, columns, counties)
        if project is not None and project.code in codes:
            faults.append(f"项目编号“{project.code}”与第{codes[project.code]}行重复")
        if faults:
            problems.append(f"第{number}行：" + "；".join(faults))
        elif project is not None:
            codes[project.code] = number
            projects.append(project)
    if problems:
        raise LedgerError(problems)
    return projects


def _skipped(cells: dict[str, Any], leading: list[str]) -> bool:
    """Empty rows, and total rows (合计 / 小计 / 总计 in one of the first four cells)."""
    return not any(normalise(v) for v in cells.values()) or any(_SKIP_ROW.match(t) for t in leading)


def parse_row(
    cells: dict[str, Any], columns: list[Column], counties: Sequence[str]
) -> tuple[Project | None, list[str]]:
    """One row's project and the faults found in it (the project is None when there are faults)."""
    faults: list[str] = []
    data: dict[str, Any] = {"monthly": {}, "milestones": {}}
    for column in columns:
        try:
            _put(data, column, cells[column.key], counties)
        except ValueError as exc:
            faults.append(f"{get_column_letter(column.index)}列（{column.label}）{exc}")
    if faults:
        return None, faults
    return _validated(data)


def _put(data: dict[str, Any], column: Column, value: Any, counties: Sequence[str]) -> None:
    key = column.key
    if key.startswith("month:"):
        amount = parse_amount(value, column.scale or Decimal(1))
        if amount is not None:
            data["monthly"][int(key.split(":")[1])] = amount
    elif key.startswith("milestone:"):
        _, milestone, which = key.split(":")
        data["milestones"].setdefault(milestone, {})[which] = parse_date(value)
    else:
        data[key] = _PARSERS[key](value, column, counties)


def _validated(data: dict[str, Any]) -> tuple[Project | None, list[str]]:
    data["total_investment"] = data.pop("total")
    try:
        project = Project.model_validate(data)
    except ValidationError as exc:
        return None, [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]
    faults = consistency_faults(project)
    return (None, faults) if faults else (project, [])


def consistency_faults(project: Project) -> list[str]:
    """Faults between the fields of one project: plan over total, registration before the start."""
    faults = []
    if project.year_plan > project.total_investment:
        faults.append("年度计划投资大于总投资")
    start = project.dates(ProjectMilestone.START).actual
    registered = project.dates(ProjectMilestone.REGISTERED).actual
    if start and registered and registered < start:
        faults.append(f"实际入库日期 {registered} 早于实际开工日期 {start}")
    return faults


# ── Cell values ──────────────────────────────────────────────────────────────────────────────────


def parse_text(value: Any) -> str:
    """Cell text, trimmed, with the apostrophe that guards against formulas removed."""
    text = "" if value is None else str(value).strip()
    if text.startswith("'") and text[1:2] and text[1] in _FORMULA_START:
        return text[1:]
    return text


def parse_amount(value: Any, scale: Decimal) -> Decimal | None:
    """An amount in 元 from a number in the column's unit; None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"“{value}”不是金额")
    try:
        number = Decimal(str(value).replace(",", "").replace(",", "").strip())
    except InvalidOperation:
        raise ValueError(f"“{value}”不是金额") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"“{value}”不是有效金额（不能为负数）")
    return (number * scale).quantize(Decimal("0.01"))


def parse_date(value: Any) -> date | None:
    """A date from a date cell or text such as 2026-03-15, 2026/3/15, 2026.3.15 or 2026年3月(月底)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = parse_text(value)
    if not text:
        return None
    found = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?|月)?", text)
    if not found:
        raise ValueError(f"“{text}”不是日期")
    year, month = int(found.group(1)), int(found.group(2))
    try:
        day = int(found.group(3)) if found.group(3) else calendar.monthrange(year, month)[1]
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError(f"“{text}”不是有效日期") from None


def parse_flag(value: Any) -> bool:
    """是/否 (also √, ×, Y, N, 1, 0 and empty)."""
    text = parse_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"“{text}”应填“是”或“否”")


def parse_choice(value: Any, choices: type[LabelledEnum]) -> LabelledEnum:
    """A choice by its Chinese label, allowing 项目/类/投资 suffixes and a few common synonyms."""
    text = parse_text(value)
    for candidate in (text, re.sub(r"(项目|类|投资)$", "", text)):
        try:
            return choices.from_label(_ALIASES.get(candidate, candidate))
        except ValueError:
            continue
    labels = "、".join(m.label for m in choices)
    raise ValueError(f"“{text}”不是可选值（{labels}）" if text else f"为空，应为{labels}之一")


def parse_county(value: Any, counties: Sequence[str]) -> str:
    """A county by its full name or a unique beginning of it (镇雄 -> 镇雄县)."""
    text = parse_text(value)
    matches = [c for c in counties if c == text] or [c for c in counties if text and c.startswith(text)]
    if len(matches) != 1:
        raise ValueError(f"“{text}”不是本市的县（市、区）")
    return matches[0]


def _required_text(value: Any) -> str:
    text = parse_text(value)
    if not text:
        raise ValueError("不能为空")
    return text


def _required_amount(value: Any, scale: Decimal) -> Decimal:
    amount = parse_amount(value, scale)
    if amount is None:
        raise ValueError("不能为空")
    return amount


def _cluster(value: Any) -> str | None:
    text = parse_text(value)
    if text.lower() in _FALSE:
        return None
    return "产业集群" if text in _TRUE else text


_PARSERS: dict[str, Callable[[Any, Column, Sequence[str]], Any]] = {
    "code": lambda v, c, u: _required_text(v),
    "name": lambda v, c, u: _required_text(v),
    "owner": lambda v, c, u: _required_text(v),
    "county": lambda v, c, u: parse_county(v, u),
    "category": lambda v, c, u: parse_choice(v, ProjectCategory),
    "kind": lambda v, c, u: parse_choice(v, ProjectKind),
    "investor": lambda v, c, u: parse_choice(v, InvestorType),
    "two_major": lambda v, c, u: parse_flag(v),
    "provincial_major": lambda v, c, u: parse_flag(v),
    "cluster": lambda v, c, u: _cluster(v),
    "total": lambda v, c, u: _required_amount(v, c.scale or Decimal(1)),
    "year_plan": lambda v, c, u: _required_amount(v, c.scale or Decimal(1)),
}


# ── Writing ──────────────────────────────────────────────────────────────────────────────────────

WAN = Decimal(10_000)
_SINGLE_HEADERS = (
    "序号", "项目编号", "项目名称", "县（市、区）", "项目类别", "建设性质", "“两重”项目", "省级重大项目",
    "产业集群", "业主单位", "投资主体", "总投资（万元）", "年度计划投资（万元）",
)  # fmt: skip


def escape_formula(text: str) -> str:
    """Text that a spreadsheet will show as text, never run as a formula, without control characters."""
    text = xml_safe(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def unescape_formula(text: str) -> str:
    """The text `escape_formula` was given."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1] in _FORMULA_START else text


def write_ledger(projects: Sequence[Project], *, title: str) -> bytes:
    """A 项目台账 workbook of `projects` in the shape offices keep (amounts in 万元)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "项目台账"
    _write_header(sheet, title)
    for number, project in enumerate(projects, start=1):
        sheet.append(_row_values(number, project))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_header(sheet: Worksheet, title: str) -> None:
    width = len(_SINGLE_HEADERS) + 2 * len(ProjectMilestone) + 12
    sheet.append([escape_formula(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for col, text in enumerate(_SINGLE_HEADERS, start=1):
        sheet.cell(2, col, text)
        sheet.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
    col = len(_SINGLE_HEADERS) + 1
    for milestone in ProjectMilestone:
        _group(sheet, col, f"{milestone.label}时间", ["计划", "实际"])
        col += 2
    _group(sheet, col, "月度完成投资（万元）", [f"{m}月" for m in range(1, 13)])
    for row in sheet.iter_rows(min_row=1, max_row=3):
        for cell in row:
            cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="center", wrap_text=True)
    sheet.freeze_panes = "D4"


def _group(sheet: Worksheet, col: int, title: str, subs: list[str]) -> None:
    sheet.cell(2, col, title)
    sheet.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + len(subs) - 1)
    for offset, text in enumerate(subs):
        sheet.cell(3, col + offset, text)


def _row_values(number: int, project: Project) -> list[Any]:
    text = [project.code, project.name, project.county, project.category.label, project.kind.label]
    flags = [
        "是" if project.two_major else "否",
        "是" if project.provincial_major else "否",
        project.cluster or "",
    ]
    people = [project.owner, project.investor.label]
    money = [_wan(project.total_investment), _wan(project.year_plan)]
    dates = [getattr(project.dates(m), which) for m in ProjectMilestone for which in ("planned", "actual")]
    months = [_wan(project.monthly[m]) if m in project.monthly else None for m in range(1, 13)]
    return [number, *(escape_formula(t) for t in text + flags + people), *money, *dates, *months]


def _wan(amount: Decimal) -> int | float:
    """An amount in 元 as 万元, as a plain spreadsheet number."""
    wan = amount / WAN
    return int(wan) if wan == wan.to_integral_value() else float(wan)
