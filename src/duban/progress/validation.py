"""Checking a reported figure before it is saved, with messages in Chinese that name the field.

Blocking problems (errors) stop a figure from being saved. Warnings (a jump far outside the unit's own
history) stop it too unless the reporter explicitly confirms the figure and explains it in the note.

Outliers are judged on the unit's own history, as DHIS2 does: for cumulative indicators on the monthly
increments (this month's year-to-date minus last month's), for level indicators on the levels. With at
least `MIN_HISTORY` earlier points the modified z-score 0.6745 x (x - median) / scale flags |z| above
`Z_LIMIT`. The scale is the MAD, but never less than a share of the median (`INCREMENT_FLOOR` of a
typical monthly increment, `LEVEL_FLOOR` of a typical level): a steady history has a MAD near 0, and
without the floor a month a little slower than usual (146 → 150 after steps of 14) would be "far" from it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from statistics import median

from duban.choices import Accumulation, IndicatorKind, MilestoneStage, Status
from duban.plan.model import Indicator, Thresholds
from duban.plan.units import display_scale
from duban.progress.judge import judge
from duban.progress.rollup import ratio_value

MIN_HISTORY = 3
Z_LIMIT = Decimal("3.5")
INCREMENT_FLOOR = Decimal("0.5")  # monthly increments vary by half their size without anything being wrong
LEVEL_FLOOR = Decimal("0.1")  # a rate or level moving by a tenth of itself in a month is still ordinary
HUNDRED = Decimal(100)
NOT_A_NUMBER = frozenset(
    {"n/a", "na", "#n/a", "—", "——", "–", "-", "--", "/", "无", "暂无", "空", "null", "none", "nan", "?", "？"}
)  # fmt: skip
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(万|亿)?\s*([^\d.+-].*)?$")
_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")

FIELD_LABELS = {
    "value": "本期数值",
    "numerator": "分子",
    "denominator": "分母",
    "stage": "阶段",
    "stage_date": "阶段日期",
    "note": "备注",
    "confirm": "确认异常",
}


class InputMode(StrEnum):
    """What a reporter types for an indicator."""

    VALUE = "value"
    RATIO = "ratio"
    STAGE = "stage"


class FieldError(ValueError):
    """A raw input that cannot be read; the message names what was wrong, without the location."""


@dataclass(frozen=True)
class Problem:
    """One fault of one field; warnings may be overridden by confirmation and a note."""

    field: str
    message: str
    warning: bool = False

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    def __str__(self) -> str:
        return f"{self.label}：{self.message}"


@dataclass(frozen=True)
class Figure:
    """A figure as the reporter gave it, already read into numbers, a stage and a date."""

    value: Decimal | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    stage: MilestoneStage | None = None
    stage_date: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class Context:
    """What a figure is checked against: the unit's target, its earlier figures and the date."""

    target: Decimal
    on: date
    year: int
    thresholds: Thresholds = field(default_factory=Thresholds)
    previous: Figure | None = None
    history: Sequence[Decimal] = ()
    confirmed: bool = False


@dataclass(frozen=True)
class Outlier:
    """Why a value is far outside the unit's own history."""

    median: Decimal
    score: Decimal
    low: Decimal
    high: Decimal


def input_mode(indicator: Indicator) -> InputMode:
    """Milestones take a stage, ratios with a numerator label take numerator and denominator."""
    if indicator.kind is IndicatorKind.MILESTONE:
        return InputMode.STAGE
    if indicator.is_percent and indicator.numerator:
        return InputMode.RATIO
    return InputMode.VALUE


def parse_number(raw: object, *, unit: str, display_unit: str | None = None) -> Decimal | None:
    """A number from a cell or form field, in the stored unit; None when empty; FieldError for text, N/A or a
    wrong unit. A bare number is in `display_unit` (3653.35 万元 → 36533500 元); '3653.35万元' says its own."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool | datetime | date):
        raise FieldError(f"“{raw}”不是数字")
    scale = display_scale(unit=unit, display_unit=display_unit) if display_unit else Decimal(1)
    if isinstance(raw, int | float | Decimal):
        return _finite(Decimal(str(raw)), raw) * scale
    return _parse_text_number(str(raw), unit, scale, display_unit or unit)


def _parse_text_number(raw: str, unit: str, scale: Decimal, shown: str) -> Decimal:
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").replace(" ", "")
    if text.lower() in NOT_A_NUMBER:
        raise FieldError(f"“{raw.strip()}”不是数字，请填写数值（确无发生请填 0）")
    match = _NUMBER.match(text)
    if not match:
        raise FieldError(f"“{raw.strip()}”不是数字，请只填写数值")
    number, multiplier, suffix = match.groups()
    if suffix and not unit:
        raise FieldError(f"“{raw.strip()}”请只填写数字，不要带单位或文字")
    if suffix and suffix not in (unit, "%" if unit in ("%", "百分点") else unit):
        raise FieldError(f"“{raw.strip()}”的单位“{suffix}”与指标单位“{shown}”不符，请换算为{shown}后只填数字")
    if not multiplier and not suffix:
        return Decimal(number) * scale
    return Decimal(number) * _MULTIPLIERS.get(multiplier or "", Decimal(1))


def _finite(number: Decimal, raw: object) -> Decimal:
    if not number.is_finite():
        raise FieldError(f"“{raw}”不是有效数字")
    return number


def parse_stage(raw: object) -> MilestoneStage | None:
    """A milestone stage from its Chinese label (or code); None when empty."""
    if raw is None or not str(raw).strip():
        return None
    try:
        return MilestoneStage(MilestoneStage.from_label(str(raw).strip()))
    except ValueError:
        labels = "、".join(s.label for s in MilestoneStage)
        raise FieldError(f"“{raw}”不是有效阶段，应为 {labels} 之一") from None


def parse_date(raw: object) -> date | None:
    """A date from a cell (date or text like 2026-06-15 / 2026年6月15日); None when empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    match = _DATE.match(unicodedata.normalize("NFKC", str(raw)).strip())
    try:
        return date(*(int(part) for part in match.groups())) if match else _bad_date(raw)
    except ValueError:
        return _bad_date(raw)


def _bad_date(raw: object) -> date:
    raise FieldError(f"“{raw}”不是有效日期，请按 2026-06-15 的格式填写")


def rate_of(*, indicator: Indicator, figure: Figure) -> Decimal | None:
    """The figure's value: computed from numerator and denominator for ratios, else as given."""
    if input_mode(indicator) is InputMode.RATIO:
        if figure.numerator is None or figure.denominator is None:
            return None
        return ratio_value(kind=indicator.kind, numerator=figure.numerator, denominator=figure.denominator)
    if input_mode(indicator) is InputMode.STAGE and figure.stage is not None:
        return Decimal(1) if figure.stage is MilestoneStage.COMPLETED else Decimal(0)
    return figure.value


def read_figure(
    *, indicator: Indicator, raw: Mapping[str, object], display_unit: str | None = None
) -> tuple[Figure, list[Problem]]:
    """The figure in raw form or cell input, read field by field; every unreadable field is a problem.

    `display_unit`: the unit the value was typed in (万元 on a form or template); None: the stored unit (API).
    """
    parsed: dict[str, object] = {}
    problems: list[Problem] = []
    readers = {"value": lambda raw: parse_number(raw, unit=indicator.unit, display_unit=display_unit),
               "numerator": _plain_number, "denominator": _plain_number, "stage": parse_stage,
               "stage_date": parse_date}  # fmt: skip
    for name in _fields(indicator):
        try:
            parsed[name] = readers[name](raw.get(name))
        except FieldError as exc:
            problems.append(Problem(name, str(exc)))
    note = str(raw.get("note") or "").strip()
    return Figure(**parsed, note=note or None), problems  # type: ignore[arg-type]


def _fields(indicator: Indicator) -> tuple[str, ...]:
    return {
        InputMode.VALUE: ("value",),
        InputMode.RATIO: ("numerator", "denominator"),
        InputMode.STAGE: ("stage", "stage_date"),
    }[input_mode(indicator)]


def _plain_number(raw: object) -> Decimal | None:
    # numerator and denominator are counts of things, never percentages
    return parse_number(raw, unit="")


def check_figure(*, indicator: Indicator, figure: Figure, context: Context) -> list[Problem]:
    """Every problem of a figure; an empty list means it may be saved."""
    problems = _missing(indicator, figure)
    if problems:
        return problems
    mode = input_mode(indicator)
    if mode is InputMode.STAGE:
        problems += _stage_problems(figure, context)
    elif mode is InputMode.RATIO:
        problems += _ratio_problems(indicator, figure)
    else:
        problems += _value_problems(indicator, figure, context)
    if not problems:
        problems += _outlier_problems(indicator, figure, context)
        problems += _behind_problems(indicator, figure, context)
    return problems


def _missing(indicator: Indicator, figure: Figure) -> list[Problem]:
    needed = {
        InputMode.STAGE: ("stage",),
        InputMode.RATIO: ("numerator", "denominator"),
        InputMode.VALUE: ("value",),
    }[input_mode(indicator)]
    return [Problem(name, "未填写") for name in needed if getattr(figure, name) is None]


def _value_problems(indicator: Indicator, figure: Figure, context: Context) -> list[Problem]:
    value = figure.value
    assert value is not None
    if value < 0 and indicator.kind is not IndicatorKind.GROWTH:
        return [Problem("value", f"{_fmt(value)} 为负数，本指标不能小于 0")]
    if indicator.kind in (IndicatorKind.RATE, IndicatorKind.SHARE) and value > HUNDRED:
        return [Problem("value", f"比率 {_fmt(value)}% 超过 100%")]
    previous = context.previous.value if context.previous else None
    if indicator.accumulation is Accumulation.CUMULATIVE and previous is not None and value < previous:
        return [Problem("value", f"年初至今累计 {_fmt(value)} 低于上期累计 {_fmt(previous)}，累计数不应减少")]
    return []


def _ratio_problems(indicator: Indicator, figure: Figure) -> list[Problem]:
    numerator, denominator = figure.numerator, figure.denominator
    assert numerator is not None and denominator is not None
    if numerator < 0 or denominator < 0:
        return [Problem("numerator" if numerator < 0 else "denominator", "不能为负数")]
    if denominator == 0:
        return [Problem("denominator", "分母不能为 0")]
    if indicator.kind is not IndicatorKind.GROWTH and numerator > denominator:
        rate = (numerator / denominator * HUNDRED).quantize(Decimal("0.01"))
        return [
            Problem(
                "numerator", f"分子 {_fmt(numerator)} 大于分母 {_fmt(denominator)}，比率 {rate}% 超过 100%"
            )
        ]
    return []


def _stage_problems(figure: Figure, context: Context) -> list[Problem]:
    stage, when = figure.stage, figure.stage_date
    problems: list[Problem] = []
    if stage is not MilestoneStage.NOT_STARTED and when is None:
        problems.append(
            Problem("stage_date", f"阶段为“{stage.label if stage else ''}”时须填写进入该阶段的日期")
        )
    if when is not None and not date(context.year - 1, 1, 1) <= when <= context.on:
        problems.append(Problem("stage_date", f"日期 {when} 不在本年度报送期内（应不晚于 {context.on}）"))
    previous = context.previous.stage if context.previous else None
    order = list(MilestoneStage)
    if stage and previous and order.index(stage) < order.index(previous) and not context.confirmed:
        problems.append(
            Problem("stage", f"阶段由“{previous.label}”倒退为“{stage.label}”，请确认", warning=True)
        )
    return problems


def _outlier_problems(indicator: Indicator, figure: Figure, context: Context) -> list[Problem]:
    value = rate_of(indicator=indicator, figure=figure)
    if value is None or input_mode(indicator) is InputMode.STAGE:
        return []
    series, current = _series(indicator, context, value)
    cumulative = indicator.accumulation is Accumulation.CUMULATIVE
    found = outlier(value=current, history=series, floor=INCREMENT_FLOOR if cumulative else LEVEL_FLOOR)
    if found is None:
        return []
    where = "value" if input_mode(indicator) is InputMode.VALUE else "numerator"
    if context.confirmed:
        return [] if figure.note else [Problem("note", "已确认异常数据，须在备注中说明原因")]
    what = "本期新增" if indicator.accumulation is Accumulation.CUMULATIVE else "本期数值"
    return [Problem(where, f"{what} {_fmt(current)} 远离本单位以往水平（{_describe(found)}），"
                           "如确认无误请勾选“确认异常”并在备注中说明", warning=True)]  # fmt: skip


def _series(indicator: Indicator, context: Context, value: Decimal) -> tuple[list[Decimal], Decimal]:
    history = list(context.history)
    if indicator.accumulation is not Accumulation.CUMULATIVE:
        return history, value
    increments = [b - a for a, b in zip([Decimal(0), *history], history, strict=False)]
    return increments, value - (history[-1] if history else Decimal(0))


def outlier(*, value: Decimal, history: Sequence[Decimal], floor: Decimal = LEVEL_FLOOR) -> Outlier | None:
    """Whether `value` lies far outside `history`: modified z-score on the MAD, floored at `floor` x median."""
    if len(history) < MIN_HISTORY:
        return None
    middle = Decimal(median(history))
    scale = max(Decimal(median(abs(x - middle) for x in history)), floor * abs(middle))
    if scale == 0:
        return None  # nothing has ever moved and the median is 0: no basis to call anything far
    score = Decimal("0.6745") * (value - middle) / scale
    spread = Z_LIMIT * scale / Decimal("0.6745")
    return Outlier(middle, score, middle - spread, middle + spread) if abs(score) > Z_LIMIT else None


def _describe(found: Outlier) -> str:
    return f"以往中位数 {_fmt(found.median)}，修正 Z 值 {found.score.quantize(Decimal('0.1'))}"


def _behind_problems(indicator: Indicator, figure: Figure, context: Context) -> list[Problem]:
    if figure.note and figure.note.strip():
        return []
    verdict = judge(
        indicator=indicator, target=context.target, actual=rate_of(indicator=indicator, figure=figure),
        on=context.on, year=context.year, thresholds=context.thresholds, stage=figure.stage,
    )  # fmt: skip
    if verdict.status not in (Status.BEHIND, Status.FAR_BEHIND) or verdict.completion_pct is None:
        return []
    done, expected = _fmt(verdict.completion_pct, "0.1"), _fmt(verdict.expected_pct, "0.1")
    return [
        Problem(
            "note", f"{verdict.label}于序时进度（完成 {done}%，序时进度 {expected}%），须在备注中说明原因"
        )
    ]


def _fmt(number: Decimal, places: str = "0.01") -> str:
    text = format(number.quantize(Decimal(places)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
