"""The plan: areas of work, tasks and their indicators, as a pure in-memory model.

Values are kept in base units (元, not 亿元; 15000, not 1.5万); percentages as the percent
number (70% -> 70). Nothing here touches storage or the web.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from duban.choices import (
    Accumulation,
    BreakdownStatus,
    Comparator,
    IndicatorKind,
    OrgKind,
    ProfileKind,
    ScopeKind,
)
from duban.plan.horizon import Horizon, milestone, progress_toward
from duban.plan.units import display_scale, shown_unit
from duban.supervision.rules import SupervisionRules

PERCENT_KINDS = frozenset({IndicatorKind.RATE, IndicatorKind.SHARE, IndicatorKind.GROWTH})
KNOWN_UNITS = frozenset(
    {
        "个", "户", "家", "所", "座", "处", "项", "条", "块", "套", "台", "辆", "艘", "批",
        "元", "人", "人次", "件", "件次", "次", "场", "名", "间", "张", "本",
        "%", "百分点", "公里", "千米", "米", "平方米", "平方公里", "亩", "公顷",
        "吨", "千瓦", "兆瓦", "千瓦时", "GWh", "立方米", "头", "只", "株", "棵",
        "千伏", "千克", "公斤", "斤", "标箱", "课时", "学时", "小时", "工作日", "个月", "年", "岁", "天",
        "户次", "亩次", "车次", "架次", "吨标准煤", "美元", "EFLOPS", "PFLOPS", "MWh", "GW", ":1",
    }
)  # fmt: skip
# beyond the known units, a plan may use any measure word or a per-unit compound (栋, 元/人), but not a
# magnitude written into the unit (亿户: the value should be in base units)
_OPEN_UNIT = re.compile(
    r"^(?![十百千万亿])[\u4e00-\u9fff]{1,3}(?:/[\u4e00-\u9fff]{1,3}){0,2}$|^[A-Za-z]{1,8}$"
)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, use_enum_values=False)


class OrgUnit(Model):
    """A unit that reports or is responsible: the city, a county, a township or a department."""

    name: str
    kind: OrgKind
    parent: str | None = None
    code: str | None = None
    population: int | None = None


class Scope(Model):
    """Where a target applies: the whole city, one unit, each unit of a set, or a named sub-area."""

    kind: ScopeKind = ScopeKind.CITY
    unit: str | None = None
    units: list[str] = Field(default_factory=list)
    area: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return parse_scope_shorthand(data)
        return data

    @model_validator(mode="after")
    def _check_fields(self) -> Scope:
        if self.kind is ScopeKind.UNIT and not self.unit:
            raise ValueError("单位范围必须写明 unit")
        if self.kind is ScopeKind.AREA and not self.area:
            raise ValueError("区域范围必须写明 area")
        return self

    def shorthand(self) -> str:
        """The compact string form used in plan files and the gold annotation."""
        if self.kind is ScopeKind.CITY:
            return "city"
        if self.kind is ScopeKind.UNIT:
            return str(self.unit)
        if self.kind is ScopeKind.AREA:
            return f"area:{self.area}"
        return "each:" + ("counties" if not self.units else ",".join(self.units))


def parse_scope_shorthand(text: str) -> dict[str, Any]:
    """Read 'city', 'each:counties', 'each:a,b', 'area:赤水河流域' or a unit name."""
    text = text.strip()
    if text in ("", "city", "全市"):
        return {"kind": "city"}
    if text.startswith("each:"):
        rest = text.removeprefix("each:")
        return {"kind": "each", "units": [] if rest in ("counties", "") else rest.split(",")}
    if text.startswith("area:"):
        return {"kind": "area", "area": text.removeprefix("area:")}
    return {"kind": "unit", "unit": text}


class ProfilePoint(Model):
    """One point of a milestone or custom schedule: by `on`, `share` (0..1) of the target is expected."""

    on: date
    share: Decimal = Field(ge=0, le=1)


class Profile(Model):
    """How expected progress (序时进度) accrues over the year."""

    kind: ProfileKind = ProfileKind.LINEAR
    points: list[ProfilePoint] = Field(default_factory=list)
    monthly_weights: list[Decimal] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_shorthand(cls, data: Any) -> Any:
        return {"kind": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _check(self) -> Profile:
        if self.kind is ProfileKind.MILESTONES and not self.points:
            raise ValueError("节点计划必须列出 points")
        if self.monthly_weights and len(self.monthly_weights) != 12:
            raise ValueError("monthly_weights 必须有12个月的权重")
        return self


class Breakdown(Model):
    """Per-unit targets that a city target is broken down into (目标分解)."""

    status: BreakdownStatus = BreakdownStatus.DRAFT
    basis: str | None = None
    targets: dict[str, Decimal] = Field(default_factory=dict)


class Indicator(Model):
    """One measurable target of the plan."""

    id: str
    name: str
    unit: str
    kind: IndicatorKind
    comparator: Comparator
    target: Decimal
    display_unit: str | None = (
        None  # shown and entered in (亿元 for a target in 元); None: from unit and size
    )
    aspiration: bool = False
    baseline: Decimal | None = None
    accumulation: Accumulation | None = None
    numerator: str | None = None
    denominator: str | None = None
    scope: Scope = Field(default_factory=Scope)
    lead_unit: str | None = None
    co_units: list[str] = Field(default_factory=list)
    due: date | None = None
    profile: Profile = Field(default_factory=Profile)
    breakdown: Breakdown | None = None
    horizon: Horizon | None = None  # a target for a later year (2030); `target` is then this year's milestone
    feed: str | None = None
    ledger_check: Decimal | None = None  # with `feed`: units report, checked against the ledger within this %
    formula: str | None = None
    same_as: str | None = None
    last_year: str | None = None  # its code in last year's plan (mapped on load; "-": new), else its own
    above: str | None = None  # its code in the province plan above (mapped on load; "-": none), else its own
    quote: str | None = None
    offset: int | None = None
    line: int | None = None
    implicit: bool = False
    confidence: float | None = None
    flags: list[str] = Field(default_factory=list)
    note: str | None = None

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        if unit not in KNOWN_UNITS and not _OPEN_UNIT.match(unit):
            raise ValueError(f"未知计量单位“{unit}”")
        return unit

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.kind in PERCENT_KINDS and self.unit not in ("%", "百分点"):
            raise ValueError(f"{self.kind.label}类指标的单位应为 %，而不是“{self.unit}”")
        if self.accumulation is None:
            self.accumulation = default_accumulation(self.kind)
        if self.ledger_check is not None and not self.feed:
            raise ValueError("ledger_check（与项目台账核对）需要同时给出 feed（台账数据来源）")
        if self.ledger_check is not None and self.ledger_check < 0:
            raise ValueError("ledger_check（与项目台账核对的容差，%）不能为负数")
        if self.display_unit is not None:
            display_scale(unit=self.unit, display_unit=self.display_unit)
        return self

    @property
    def shown_unit(self) -> str:
        """The unit its figures are shown and entered in: the plan's display unit, else one fitting the target."""
        return shown_unit(unit=self.unit, display_unit=self.display_unit, target=self.target)

    @property
    def is_percent(self) -> bool:
        return self.kind in PERCENT_KINDS

    def horizon_progress(self, actual: Decimal | None) -> Decimal | None:
        """Percent of the way from the base to the later year's value (2030) that `actual` has come."""
        return progress_toward(horizon=self.horizon, actual=actual) if self.horizon else None

    @property
    def fed_by_ledger(self) -> bool:
        """The project ledger supplies the figure and no unit is asked for it (one source per figure)."""
        return bool(self.feed) and self.ledger_check is None

    @property
    def checked_against_ledger(self) -> bool:
        """Units report the figure; the ledger's is shown beside it and a difference over the tolerance flagged."""
        return bool(self.feed) and self.ledger_check is not None


def _raw_indicators(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The indicator mappings of unvalidated plan data, skipping anything malformed (validation reports it)."""
    areas = data.get("areas")
    areas = areas if isinstance(areas, list) else []
    tasks = [t for a in areas if isinstance(a, dict) for t in a.get("tasks") or []]
    found = [i for t in tasks if isinstance(t, dict) for i in t.get("indicators") or []]
    return [i for i in found if isinstance(i, dict)]


def _milestone_of(raw: Any, year: int) -> Decimal | None:
    try:
        return milestone(horizon=Horizon.model_validate(raw), year=year)
    except ValueError:
        return None


def default_accumulation(kind: IndicatorKind) -> Accumulation:
    """Counts and amounts accrue over the year; rates, shares and growth are levels at a point in time."""
    if kind in (IndicatorKind.COUNT, IndicatorKind.AMOUNT):
        return Accumulation.CUMULATIVE
    return Accumulation.LEVEL


class Task(Model):
    """A numbered item or topic of work under an area (e.g. 惠民实事 no. 3)."""

    code: str
    title: str
    lead_unit: str | None = None
    indicators: list[Indicator] = Field(default_factory=list)


class Area(Model):
    """An area of work (重点工作/方面), or the group of 惠民实事."""

    code: str
    name: str
    weight: Decimal = Decimal(1)
    livelihood: bool = False
    tasks: list[Task] = Field(default_factory=list)


class Thresholds(Model):
    """Percentage points behind 序时进度 at which an item turns 滞后 and 严重滞后; the 基本完成 line of 年终考核."""

    behind: Decimal = Decimal(10)
    far_behind: Decimal = Decimal(30)
    ahead: Decimal = Decimal(5)
    mostly_done: Decimal = Decimal(90)  # completion (%) from which a target missed at year end is 基本完成


class ReviewRules(Model):
    """How the office reviews reported figures."""

    four_eyes: bool = False  # who entered or submitted a figure may not approve it (四眼原则)


class SourceDocument(Model):
    path: str
    sha256: str | None = None


class Plan(Model):
    """A region's annual plan."""

    region: str
    year: int
    title: str
    source: SourceDocument | None = None
    thresholds: Thresholds = Field(default_factory=Thresholds)
    units: list[OrgUnit] = Field(default_factory=list)
    areas: list[Area] = Field(default_factory=list)
    supervision: SupervisionRules | None = None
    review: ReviewRules = Field(default_factory=ReviewRules)

    @model_validator(mode="before")
    @classmethod
    def _milestone_targets(cls, data: Any) -> Any:
        """A five-year target that gives no `target` for the plan's year takes the year's milestone."""
        if not isinstance(data, dict) or not isinstance(data.get("year"), int):
            return data
        for raw in _raw_indicators(data):
            if "target" not in raw and isinstance(raw.get("horizon"), dict | Horizon):
                year_target = _milestone_of(raw["horizon"], data["year"])
                if year_target is not None:
                    raw["target"] = year_target
        return data

    @model_validator(mode="after")
    def _one_name_per_unit(self) -> Plan:
        """Units sharing a written name get their parent's in front (福州市鼓楼区, 南京市鼓楼区), and every
        reference to a unit (by code, by that name, or by a written name only one unit has) becomes its name."""
        if self.units:
            refer = _unit_references(self.units)
            for unit in self.units:
                unit.parent = refer(unit.parent)
            for unit, name in zip(self.units, _unique_names(self.units), strict=True):
                unit.name = name
            _refer_by_name(self, refer)
        return self

    def indicators(self) -> list[Indicator]:
        """Every indicator of the plan, in document order."""
        return [ind for area in self.areas for task in area.tasks for ind in task.indicators]

    def counties(self) -> list[OrgUnit]:
        return [u for u in self.units if u.kind is OrgKind.COUNTY]

    def unit_names(self) -> set[str]:
        return {u.name for u in self.units}


def _unique_names(units: list[OrgUnit]) -> list[str]:
    """Each unit's name: its written one, or its parent's name and its own where the written name repeats."""
    written = Counter(u.name for u in units)
    names: dict[str, str] = {}
    for unit in units:
        parent = names.get(unit.parent or "", unit.parent or "")
        key = unit.code or unit.name
        names[key] = f"{parent}{unit.name}" if written[unit.name] > 1 else unit.name
    return [names[u.code or u.name] for u in units]


def _unit_references(units: list[OrgUnit]) -> Callable[[str | None], str | None]:
    """Turn a reference to a unit (its code, its name, a written name only one unit has) into its name."""
    names = dict(zip([u.code or u.name for u in units], _unique_names(units), strict=True))
    written = Counter(u.name for u in units)
    by_reference = {u.name: names[u.code or u.name] for u in units if written[u.name] == 1}
    by_reference |= {name: name for name in names.values()} | {u.code: names[u.code] for u in units if u.code}

    def refer(reference: str | None) -> str | None:
        if reference and reference not in by_reference and written[reference] > 1:
            raise ValueError(f"单位“{reference}”有重名，请写单位代码")
        return by_reference.get(reference, reference) if reference else reference

    return refer


def _refer_by_name(plan: Plan, refer: Callable[[str | None], str | None]) -> None:
    """Every unit a task or an indicator names, by the unit's name."""

    def all_of(references: list[str]) -> list[str]:
        return [refer(r) or r for r in references]

    names = (
        plan.unit_names()
    )  # a unit's name refers to itself: a breakdown by names (a stored plan's) stays as it is
    for area in plan.areas:
        for task in area.tasks:
            task.lead_unit = refer(task.lead_unit)
            for ind in task.indicators:
                ind.lead_unit, ind.co_units = refer(ind.lead_unit), all_of(ind.co_units)
                ind.scope.unit, ind.scope.units = refer(ind.scope.unit), all_of(ind.scope.units)
                if ind.breakdown and not names.issuperset(ind.breakdown.targets):
                    ind.breakdown.targets = {refer(u) or u: v for u, v in ind.breakdown.targets.items()}
