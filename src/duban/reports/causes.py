"""存在问题 from the reporters' 滞后原因 notes: each note put under one keyword theme, deterministically.

A theme's sentence names the units that gave such a note and quotes the most specific one; notes
that match no theme and say nothing concrete ("正在加快推进") are counted as too vague to use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from duban.reports.text import ordinal, quoted

# (theme, the problem as a bulletin words it, keywords); the first theme whose keyword a note holds wins.
THEMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("征地拆迁", "征地拆迁协调难度大", ("征地", "拆迁", "搬迁", "进场")),
    (
        "前期手续",
        "项目前期工作和审批手续办理滞后",
        ("前期", "手续", "审批", "批复", "环评", "可研", "立项", "预审"),
    ),
    ("资金", "资金到位不及时", ("资金", "经费", "配套", "融资", "拨付")),
    ("要素保障", "用地等要素保障不到位", ("用地", "用林", "指标紧张", "要素", "原材料", "用电")),
    ("季节", "受季节性因素影响较大", ("汛期", "雨季", "降雨", "凝冻", "低温", "天气", "季节")),
    ("市场需求", "市场需求偏弱、市场主体投资意愿不强", ("市场", "需求", "意愿", "订单")),
    ("统计口径", "部分指标统计周期与月度调度不一致", ("统计", "季度", "口径", "核算")),
    ("工作力量", "工作力量不足", ("人员", "力量", "人手", "技术人员")),
)
SPECIFIC_LENGTH = 12  # a note this long, or with a figure in it, says something a bulletin can quote


@dataclass(frozen=True)
class Note:
    """One reporter's 滞后原因 on one lagging target."""

    unit: str
    target: str
    text: str


@dataclass(frozen=True)
class Cause:
    """One theme of 存在问题: its wording, the units that gave such notes, and the note quoted."""

    theme: str
    problem: str
    units: tuple[str, ...]
    notes: tuple[Note, ...]

    @property
    def quote(self) -> Note:
        """The most specific note: the longest, then the first given."""
        return max(self.notes, key=lambda n: (len(n.text), -self.notes.index(n)))


def theme_of(text: str) -> str | None:
    """The theme a note belongs to, or None when it names none."""
    return next((theme for theme, _, words in THEMES if any(w in text for w in words)), None)


def specific(text: str) -> bool:
    return len(text) >= SPECIFIC_LENGTH or any(c.isdigit() for c in text)


def group_causes(*, notes: Sequence[Note]) -> tuple[list[Cause], list[Note]]:
    """Notes grouped by theme (most units, then most notes, then theme order first) and the notes naming no cause."""
    grouped: dict[str, list[Note]] = {}
    vague = []
    for note in notes:
        theme = theme_of(note.text)
        if theme is None:
            vague.append(note)
        else:
            grouped.setdefault(theme, []).append(note)
    order = [t for t, _, _ in THEMES]
    causes = [Cause(theme, next(p for t, p, _ in THEMES if t == theme),
                    tuple(dict.fromkeys(n.unit for n in found)), tuple(found))
              for theme, found in grouped.items()]  # fmt: skip
    causes.sort(key=lambda c: (-len(c.units), -len(c.notes), order.index(c.theme)))
    return causes, vague


def cause_sentence(cause: Cause, *, number: int, voice: str | None) -> str:
    """（一）资金到位不及时。市发展改革委、镇雄县等3个单位反映……，如镇雄县在“…”上报告“…”。"""
    quote = cause.quote
    head = f"（{ordinal(number)}）{cause.problem}。"
    said = (
        f"就{quoted(quote.target)}说明：{quoted(quote.text)}"
        if specific(quote.text)
        else f"就{quoted(quote.target)}所作说明"
    )
    if voice:  # a region's bulletin speaks to it: 你县 (你市（州） in a 州市's)
        return (
            head + f"{voice}{len(cause.notes)}项滞后目标的原因说明涉及此类问题，如{said.removeprefix('就')}。"
        )
    return head + f"{_units_words(cause.units)}在滞后原因中反映此类问题，如{quote.unit}{said}。"


def vague_sentence(vague: Sequence[Note], *, voice: str | None) -> str:
    """The notes that explain nothing, named so the units write better ones next month."""
    if voice:
        return f"另有{len(vague)}项滞后目标的原因说明过于笼统（如{quoted(vague[0].text)}），未说明具体原因。"
    units = list(dict.fromkeys(n.unit for n in vague))
    return (f"此外，{_units_words(units)}对{len(vague)}项滞后目标的原因说明过于笼统"
            f"（如{quoted(vague[0].text)}），未说明具体原因和整改措施。")  # fmt: skip


def _units_words(units: Sequence[str]) -> str:
    if len(units) <= 3:
        return "、".join(units)
    return f"{'、'.join(units[:3])}等{len(units)}个单位"
