"""Plan files: YAML for people to read, review and edit in git.

Reading keeps YAML line numbers so that every problem names the file, line and field.
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent

from duban.choices import Comparator, ScopeKind
from duban.plan.model import Indicator, Plan, Scope

_FIELD_NAMES = {
    "unit": "计量单位",
    "display_unit": "显示单位",
    "comparator": "比较方式",
    "target": "目标值",
    "kind": "指标类型",
    "scope": "范围",
    "lead_unit": "牵头单位",
    "co_units": "配合单位",
    "breakdown": "目标分解",
    "id": "编号",
    "name": "名称",
}


@dataclass(frozen=True)
class Problem:
    """One fault in a plan file, located as precisely as the YAML allows."""

    file: str
    line: int | None
    field: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}：{self.message}"


class PlanFileError(Exception):
    """The plan file cannot be used; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def read_plan_file(path: Path | str) -> Plan:
    """Read and check a plan file; raise PlanFileError listing every error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError([Problem(str(path), None, "文件", f"无法读取：{exc}")]) from exc
    return parse_plan_text(text, name=str(path))


def parse_plan_text(text: str, *, name: str = "<plan>") -> Plan:
    """Parse plan YAML text; raise PlanFileError listing every error."""
    tree = _load_yaml(text, name)
    try:
        plan = Plan.model_validate(tree)
    except ValidationError as exc:
        problems = [_problem_from_error(err, tree, name) for err in exc.errors()]
        raise PlanFileError(problems + _faults_of_valid_rest(tree, exc, name)) from exc
    errors = [p for p in check_plan(plan, tree=tree, name=name) if p.severity == "error"]
    if errors:
        raise PlanFileError(errors)
    return plan


def line_in_file(path: Path | str, loc: tuple[str | int, ...]) -> int | None:
    """The 1-based line of `loc` (("units", 2, "parent")) in a plan file: where a store's refusal points."""
    return _line_of(YAML(typ="rt").load(Path(path).read_text(encoding="utf-8")), loc)


def _faults_of_valid_rest(tree: Any, exc: ValidationError, name: str) -> list[Problem]:
    """Check-level errors of the indicators that did pass the schema, so one run reports every fault."""
    locs = [_indicator_loc(err) for err in exc.errors()]
    bad = {loc for loc in locs if loc is not None}
    if None in locs:
        return []
    pruned = copy.deepcopy(tree)
    for area, task, index in sorted(bad, reverse=True):
        del pruned["areas"][area]["tasks"][task]["indicators"][index]
    try:
        rest = Plan.model_validate(pruned)
    except ValidationError:
        return []
    dropped = {str(tree["areas"][a]["tasks"][t]["indicators"][i].get("id")) for a, t, i in bad}
    dangling = {f"[{ind.id}].same_as" for ind in rest.indicators() if ind.same_as in dropped}
    found = check_plan(rest, tree=tree, name=name)
    return [p for p in found if p.severity == "error" and p.field not in dangling]


def _indicator_loc(err: Any) -> tuple[int, int, int] | None:
    """(area, task, indicator) indexes of an error inside one indicator, else None."""
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    if len(loc) < 6 or loc[0:5:2] != ("areas", "tasks", "indicators"):
        return None
    return loc[1], loc[3], loc[5]


def _load_yaml(text: str, name: str) -> Any:
    try:
        _refuse_aliases(text, name)
        tree = YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise PlanFileError(
            [Problem(name, line, "YAML", f"格式错误：{getattr(exc, 'problem', exc)}")]
        ) from exc
    if not isinstance(tree, CommentedMap):
        raise PlanFileError([Problem(name, 1, "YAML", "计划文件的顶层必须是映射（region、year、areas…）")])
    return tree


def _refuse_aliases(text: str, name: str) -> None:
    """Aliases (*name) are refused: a 1 KB file of nested aliases expands to billions of nodes."""
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else None
            raise PlanFileError([Problem(name, line, "YAML", f"计划文件不能使用别名（*{event.anchor}），"
                                                           "请把引用的内容直接写出")])  # fmt: skip


def _problem_from_error(err: Any, tree: Any, name: str) -> Problem:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    message = _chinese_message(err)
    return Problem(name, _line_of(tree, loc), _field_path(tree, loc), message)


_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（拼写错误？）",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "dict_type": "应为映射",
    "model_type": "应为映射",
}


def _chinese_message(err: Any) -> str:
    """Pydantic's error in Chinese, with the offending input where it helps."""
    kind = err["type"]
    if kind == "enum":
        return f"“{err.get('input')}”无效，应为：{err['ctx']['expected']}"
    if kind in _MESSAGES:
        shown = "" if kind in ("missing", "extra_forbidden") else f"（实际为“{err.get('input')}”）"
        return _MESSAGES[kind] + shown
    return str(err["msg"]).removeprefix("Value error, ")


def _line_of(tree: Any, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest node of `loc` that the YAML tree has."""
    node, line = tree, None
    for key in loc:
        if isinstance(node, CommentedMap) and key in node:
            line = node.lc.key(key)[0] + 1
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            line = node.lc.item(key)[0] + 1
        else:
            break
        node = node[key]
    if line is None and hasattr(tree, "lc"):
        line = tree.lc.line + 1
    return line


def _field_path(tree: Any, loc: tuple[Any, ...]) -> str:
    """A readable path such as `indicator L03-1 . unit (计量单位)`."""
    node, parts = tree, []
    for key in loc:
        if isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
            item = node[key]
            label = item.get("id") or item.get("code") or item.get("name") if isinstance(item, dict) else None
            parts.append(f"[{label}]" if label else f"[{key}]")
            node = item
            continue
        parts.append(str(key))
        node = node.get(key) if isinstance(node, CommentedMap) else None
    text = ".".join(parts).replace(".[", "[")
    last = str(loc[-1]) if loc else ""
    return f"{text}（{_FIELD_NAMES[last]}）" if last in _FIELD_NAMES else text


def check_plan(plan: Plan, *, tree: Any = None, name: str = "<plan>") -> list[Problem]:
    """Check what the schema cannot: unknown units, duplicate ids, breakdowns that do not add up."""
    lines = _indicator_lines(tree)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for ind in plan.indicators():
        line = _nth_line(lines, ind.id, seen.get(ind.id, 0))
        if ind.id in seen:
            problems.append(Problem(name, line, f"[{ind.id}].id（编号）", f"编号“{ind.id}”重复"))
        seen[ind.id] = seen.get(ind.id, 0) + 1
        problems += [Problem(name, line, f"[{ind.id}].{f}", m) for f, m in indicator_faults(ind, plan)]
    ids = {ind.id for ind in plan.indicators()}
    for ind in plan.indicators():
        if ind.same_as and ind.same_as not in ids:
            line = _nth_line(lines, ind.id, 0)
            problems.append(Problem(name, line, f"[{ind.id}].same_as", "引用了不存在的指标编号"))
    return problems


def _nth_line(lines: dict[str, list[int]], ind_id: str, nth: int) -> int | None:
    """The line of the nth indicator with this id, so a duplicate is reported where it stands."""
    found = lines.get(ind_id, [])
    return found[nth] if nth < len(found) else None


def indicator_faults(ind: Indicator, plan: Plan) -> list[tuple[str, str]]:
    """(field, message) for every fault of one indicator against the plan's org units."""
    known = plan.unit_names()
    faults: list[tuple[str, str]] = []
    named = [("scope（范围）", ind.scope.unit), ("lead_unit（牵头单位）", ind.lead_unit)]
    named += [("co_units（配合单位）", u) for u in ind.co_units]
    named += [("scope（范围）", u) for u in ind.scope.units]
    named += [("breakdown（目标分解）", u) for u in (ind.breakdown.targets if ind.breakdown else {})]
    for field, unit in named:
        if unit and unit not in known:
            faults.append((field, f"未知单位“{unit}”（计划的 units 中没有）"))
    if ind.scope.kind is ScopeKind.EACH and not ind.scope.units and not plan.counties():
        faults.append(("scope（范围）", "“各县分别”的范围需要计划中列出县（市、区）"))
    message = breakdown_fault(ind)
    if message:
        faults.append(("breakdown（目标分解）", message))
    message = horizon_fault(ind, plan.year)
    if message:
        faults.append(("horizon（远期目标）", message))
    return faults


def horizon_fault(ind: Indicator, year: int) -> str | None:
    """Why a later year's target does not fit the plan's year, or None when it does."""
    if ind.horizon is None:
        return None
    if ind.horizon.year < year:
        return f"目标年份 {ind.horizon.year} 早于计划年份 {year}"
    given = ind.horizon.milestones.get(year)
    if given is not None and given != ind.target:
        return f"目标值 {_fmt(ind.target)} 与 {year} 年的年度节点 {_fmt(given)} 不一致"
    return None


def breakdown_fault(ind: Indicator) -> str | None:
    """Why the county breakdown does not reach the city target, or None when it does."""
    if not ind.breakdown or not ind.breakdown.targets or ind.is_percent:
        return None
    total = sum(ind.breakdown.targets.values(), Decimal(0))
    if ind.comparator is Comparator.AT_MOST and total > ind.target:
        return f"分解合计 {_fmt(total)} 超过上限 {_fmt(ind.target)}"
    if ind.comparator in (Comparator.AT_LEAST, Comparator.MORE_THAN) and total < ind.target:
        return f"分解合计 {_fmt(total)} 低于市级目标 {_fmt(ind.target)}"
    if ind.comparator in (Comparator.EQUAL, Comparator.ABOUT) and total != ind.target:
        return f"分解合计 {_fmt(total)} 与市级目标 {_fmt(ind.target)} 不一致"
    return None


def _indicator_lines(tree: Any) -> dict[str, list[int]]:
    """Map each indicator id to the lines where it starts in the YAML, in document order."""
    found: dict[str, list[int]] = {}
    if not isinstance(tree, CommentedMap):
        return found
    for area in tree.get("areas") or []:
        for task in (area.get("tasks") or []) if isinstance(area, CommentedMap) else []:
            for ind in (task.get("indicators") or []) if isinstance(task, CommentedMap) else []:
                if isinstance(ind, CommentedMap) and "id" in ind:
                    found.setdefault(str(ind["id"]), []).append(ind.lc.line + 1)
    return found


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def dump_plan(plan: Plan) -> str:
    """The plan as YAML text in the plan-file format, defaults left out."""
    data = plan.model_dump(mode="python", exclude_defaults=True, exclude_none=True)
    data["region"], data["year"], data["title"] = plan.region, plan.year, plan.title
    data = _plain(_ordered(data))
    yaml = YAML()
    yaml.allow_unicode = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    head = {k: data[k] for k in ("region", "year", "title") if k in data}
    return head | {k: v for k, v in data.items() if k not in head}


def _plain(value: Any) -> Any:
    """Turn Decimals, enums, dates and scopes into YAML-friendly scalars."""
    if isinstance(value, dict):
        if set(value) <= {"kind", "unit", "units", "area"} and "kind" in value and _is_scope(value):
            return _scope_text(value)
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value


def _is_scope(value: dict[str, Any]) -> bool:
    return str(getattr(value["kind"], "value", value["kind"])) in {k.value for k in ScopeKind}


def _scope_text(value: dict[str, Any]) -> str:
    return Scope.model_validate({k: v for k, v in value.items()}).shorthand()
