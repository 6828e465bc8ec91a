"""Build the 督查通报 from a period's overview (and the month before): sentences filled from figures only.

The city bulletin speaks of the city's standing on every indicator; a county bulletin (`unit`) of the
targets that county holds, judged against its own share, in the county's voice (请你县…). 力争 targets
are kept apart from the counts. Every named item, unit and quoted cause comes from the data; the detail
tables go to the 附件 after the signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from duban.choices import OrgKind, Status
from duban.plan.assignments import city_name
from duban.plan.levels import Level, plan_level
from duban.plan.model import Plan
from duban.plan.units import to_display
from duban.progress.judge import GOOD_STATUSES
from duban.progress.ranking import Ranking
from duban.reports import charts
from duban.reports.causes import cause_sentence, group_causes, vague_sentence
from duban.reports.demands import demands, scope_notes
from duban.reports.items import Item, city_items, county_items, lagging, status_counts
from duban.reports.model import Bulletin, Column, ColumnKind, Section, Table
from duban.reports.text import (
    date_text,
    ordinal,
    percent_text,
    period_text,
    points_text,
    quoted,
    score_text,
    series,
    share_text,
    short_title,
    tenth,
    title_lines,
)  # fmt: skip
from duban.services.overview import Overview, ReportingLine
from duban.supervision.rules import SupervisionRules

PROJECT_WORD = "项目"
COUNT_STATUSES = tuple(Status)
STATUS_WORDS = {Status.DONE: "已完成", Status.AHEAD: "超序时进度", Status.ON_TRACK: "正常推进",
                Status.BEHIND: "滞后", Status.FAR_BEHIND: "严重滞后", Status.NOT_REPORTED: "未报送",
                Status.PENDING: "数据待审核"}  # fmt: skip
GOOD_JUDGEMENT, STEADY_JUDGEMENT = Decimal(85), Decimal(70)  # 正常及以上占比 for 较好 and 平稳


@dataclass(frozen=True)
class Scope:
    """What one bulletin covers: the city or one county, this month and the one before."""

    overview: Overview
    items: list[Item]
    previous: list[Item] | None
    unit: str | None
    open_items: Mapping[str, str]
    issued: date
    before: Overview | None = None
    next_report: tuple[int, date] | None = None

    @cached_property
    def level(self) -> Level:
        """The plan's level, whose words the bulletin speaks: 全省 and 各市（州） in a province's."""
        return plan_level(self.overview.plan)

    @property
    def name(self) -> str:
        return self.unit or self.level.whole

    @property
    def you(self) -> str:
        """How the bulletin addresses its reader: 你县 in a county's (你市（州） in a 州市's), the units in the plan's."""
        return self.level.you if self.unit else "各牵头单位"

    @cached_property
    def reporting(self) -> list[ReportingLine]:
        """报送情况 as the bulletin tells it: the county's own line, or one per unit the bulletin is sent to."""
        if self.unit:
            return [line for line in self.overview.reporting if line.unit == self.unit]
        return recipients_reporting(lines=self.overview.reporting, plan=self.overview.plan)

    @property
    def rules(self) -> SupervisionRules:
        return self.overview.plan.supervision or SupervisionRules()

    def was_lagging(self, item: Item, status: Status | None = None) -> bool:
        """Whether the item was already behind (or in `status`) the month before."""
        before = next((i for i in self.previous or [] if i.indicator.id == item.indicator.id), None)
        if before is None:
            return False
        return before.status is status if status else before.lagging


def build_bulletin(
    *, overview: Overview, previous: Overview | None = None, unit: str | None = None,
    open_items: Mapping[str, str] | None = None, issued: date, number: int | None = None,
    next_report: tuple[int, date] | None = None,
) -> Bulletin:  # fmt: skip
    """The bulletin for the city (or `unit`, a county); `open_items` maps indicator ids to open 督办 items."""
    scope = Scope(overview, _items(overview, unit), _items(previous, unit) if previous else None, unit,
                  open_items or {}, issued, previous, next_report)  # fmt: skip
    built = [_summary(scope), _good(scope), _areas(scope), _livelihood(scope), _projects(scope),
             _lagging(scope), _problems(scope), _ranking(scope), _reporting(scope)]  # fmt: skip
    sections = [s for s in built if s is not None]
    sections.append(Section("下步工作要求", demands(scope)))
    for index, section in enumerate(sections, start=1):
        section.heading = f"{ordinal(index)}、{section.heading}"
    _refer_to_annexes(sections)
    return _framed(scope, sections, number)


def _items(overview: Overview, unit: str | None) -> list[Item]:
    return county_items(overview, unit) if unit else city_items(overview)


def _refer_to_annexes(sections: list[Section]) -> None:
    """Tables go after the signature as 附件1, 附件2 …; a section's first paragraph says where its own are."""
    number = 0
    for section in sections:
        if not section.tables:
            continue
        first = number + 1
        number += len(section.tables)
        where = f"附件{first}" if first == number else f"附件{first}—{number}"
        if section.paragraphs:
            section.paragraphs[0] = section.paragraphs[0].removesuffix("。") + f"（详见{where}）。"


def _framed(scope: Scope, sections: list[Section], number: int | None) -> Bulletin:
    plan, month = scope.overview.plan, scope.overview.month
    city = city_name(plan)
    words = ["关于", scope.unit or "", f"{plan.year}年{period_text(month)}", "" if scope.unit else scope.level.whole,
             "重点工作", "推进情况", "的通报"]  # fmt: skip
    words = [w for w in words if w]
    subject = "".join(words[1:-3])
    return Bulletin(
        office=f"{city}人民政府督查室", doc_number=f"{city[:1]}政督通〔{plan.year}〕{number or 'X'}号",
        title="".join(words), title_lines=title_lines(words=words),
        addressee=f"{scope.unit}人民政府：" if scope.unit else f"{scope.level.addressees}：",
        opening=_opening(scope, subject),
        issued=scope.issued, year=plan.year, month=month, unit=scope.unit, sections=sections,
        copy_to=_copy_to(scope, city), printed_by=f"{city}人民政府督查室", warnings=_warnings(scope),
    )  # fmt: skip


def _opening(scope: Scope, subject: str) -> str:
    cut = min(scope.overview.on, scope.issued)
    return (f"根据{scope.overview.plan.year}年重点工作督查安排，{scope.level.short}政府督查室采取查阅填报数据和佐证材料、电话核查等方式，"
            f"对{subject}重点工作推进情况进行了调度。现将有关情况通报如下（数据截至{date_text(cut)}，{_basis_words(scope)}）。")  # fmt: skip


def _warnings(scope: Scope) -> list[str]:
    end = scope.overview.on
    if scope.issued > end:
        return []
    return [f"{scope.overview.month}月尚未结束（通报日期{date_text(scope.issued)}），本期数据不完整"]


def _copy_to(scope: Scope, city: str) -> str:
    short = scope.level.short
    if scope.unit:
        return f"{city}人民政府办公室，{short}直各有关部门"
    return f"{short}委办公室，{short}人大常委会办公室，{short}政协办公室，{city}人民政府办公室"


def _basis_words(scope: Scope) -> str:
    """Which figures the bulletin counted, as the office chose (含待审核数据 or approved only)."""
    if scope.overview.basis.include_submitted:
        return "含已提交尚未审核的数据"
    return "以审核通过的数据为准"


# ── 总体情况 ────────────────────────────────────────────────────────────────


def _summary(scope: Scope) -> Section:
    counts = status_counts(scope.items)
    section = Section("总体情况", [_summary_sentence(scope, counts), _change_sentence(scope, counts),
                                 _definition(scope)])  # fmt: skip
    section.paragraphs.extend(_revision_sentences(scope))
    before = status_counts(scope.previous) if scope.previous is not None else None
    section.tables.append(_summary_table(counts, before))
    section.charts.append(charts.status_chart(counts=counts, title=f"{scope.name}目标任务推进状态分布"))
    return section


def judgement_words(*, good_share: Decimal, far_behind: int) -> str:
    """总体推进较好 / 总体平稳有序 / 总体推进滞后, from the share done, ahead or on track."""
    if good_share >= GOOD_JUDGEMENT and not far_behind:
        return "总体推进较好"
    if good_share >= STEADY_JUDGEMENT:
        return "总体平稳有序，但部分任务滞后" if far_behind or good_share < 100 else "总体平稳有序"
    return "总体推进滞后"


def counts_words(counts: Mapping[Status, int], total: int) -> str:
    """已完成10项、占22.2%，… — statuses with no target left out."""
    return "，".join(f"{STATUS_WORDS[s]}{counts[s]}项、占{share_text(counts[s], total)}"
                    for s in COUNT_STATUSES if counts[s])  # fmt: skip


def _summary_sentence(scope: Scope, counts: dict[Status, int]) -> str:
    total = sum(counts.values())
    good = sum(counts[s] for s in GOOD_STATUSES)
    share = Decimal(100) * good / total if total else Decimal(0)
    aspirations = sum(1 for i in scope.items if not i.headline)
    extra = f"（另有力争目标{aspirations}项，单独列示，不计入统计）" if aspirations else ""
    verdict = judgement_words(good_share=share, far_behind=counts[Status.FAR_BEHIND])
    holder = f"{scope.level.you}承担" if scope.unit else f"{scope.level.whole}纳入督查"
    until = _until(scope)
    if not total:
        return f"截至{until}，{holder}的年度目标任务均为力争目标{extra}。"
    return (f"截至{until}，{holder}的年度目标任务{total}项{extra}，{verdict}。"
            f"其中，{counts_words(counts, total)}；已完成、超序时和正常推进的合计{good}项，占{share_text(good, total)}。")  # fmt: skip


def _until(scope: Scope) -> str:
    """截至10月底, or 截至11月27日 for a month not yet ended."""
    month = scope.overview.month
    return f"{month}月{scope.issued.day}日" if scope.issued < scope.overview.on else f"{month}月底"


def _change_sentence(scope: Scope, counts: dict[Status, int]) -> str:
    if scope.previous is None:
        return "本期为年度首次通报。"
    before = status_counts(scope.previous)
    changes = [_change_words(s, counts[s] - before[s]) for s in COUNT_STATUSES if counts[s] != before[s]]
    now_good, was_good = (sum(c[s] for s in GOOD_STATUSES) for c in (counts, before))
    now_share, was_share = (
        share_text(now_good, sum(counts.values())),
        share_text(was_good, sum(before.values())),
    )
    if now_share == was_share:
        trend = f"正常及以上占比保持{now_share}"
    else:
        trend = f"正常及以上占比由{was_share}{'升至' if now_good > was_good else '降至'}{now_share}"
    if not changes:
        return f"与上月相比，各类状态的目标数量均无变化，{trend}。"
    return "与上月相比，" + "，".join(changes) + f"，{trend}。"


def _definition(scope: Scope) -> str:
    """序时进度 and the thresholds in one sentence, so every verdict below can be checked."""
    t = scope.overview.plan.thresholds
    return (f"本通报所称序时进度，是按全年目标和时间进度（或计划节点）折算到期末应完成的进度；完成率低于序时进度"
            f"{_num(t.behind)}个百分点及以上为滞后，超过{_num(t.far_behind)}个百分点或超过完成时限仍未完成的为严重滞后，"
            f"高于序时进度{_num(t.ahead)}个百分点及以上为超序时进度。")  # fmt: skip


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _revision_sentences(scope: Scope) -> list[str]:
    """The approved target revisions this bulletin's judgements used (a county's: its own and the city's)."""
    held = {i.indicator.id for i in scope.items}
    changes = [c for c in scope.overview.revisions
               if scope.unit is None or (c.indicator in held and c.unit in (None, scope.unit))]  # fmt: skip
    if not changes:
        return []
    return [
        f"经批准，年内调整目标{len(changes)}项，调整前的月份仍按原目标评价："
        + "".join(c.sentence() for c in changes)
    ]


def _change_words(status: Status, delta: int) -> str:
    return f"{STATUS_WORDS[status]}{'增加' if delta > 0 else '减少'}{abs(delta)}项"


def _summary_table(counts: dict[Status, int], before: dict[Status, int] | None) -> Table:
    columns = (Column("推进状态", width=2), Column("本月（项）", ColumnKind.COUNT),
               Column("上月（项）", ColumnKind.COUNT), Column("增减（项）", ColumnKind.COUNT))  # fmt: skip
    rows = [(s.label, counts[s], before[s] if before else None, counts[s] - before[s] if before else None)
            for s in COUNT_STATUSES]  # fmt: skip
    total_before = sum(before.values()) if before else None
    total = sum(counts.values())
    rows.append(("合计", total, total_before, total - total_before if total_before is not None else None))
    return Table("总体情况", columns, rows)


# ── 进展较好 ────────────────────────────────────────────────────────────────


def _good(scope: Scope) -> Section | None:
    done = [i for i in scope.items if i.headline and i.status is Status.DONE]
    ahead = [i for i in scope.items if i.headline and i.status is Status.AHEAD]
    if not done and not ahead:
        return None
    section = Section("进展较好的事项")
    parts = []
    if done:
        parts.append(f"已完成年度目标的{len(done)}项：" + series(_named(i, scope) for i in done))
    if ahead:
        parts.append(f"超序时进度推进的{len(ahead)}项：" + series(_named(i, scope, gap=True) for i in ahead))
    section.paragraphs.append("；".join(parts) + "。")
    praised = _praised_counties(scope)
    if praised:
        section.paragraphs.append(praised)
    return section


def _named(item: Item, scope: Scope, *, gap: bool = False) -> str:
    """“新开工项目数”（市发展改革委，超序时进度6.2个百分点）; a county's own items without the unit."""
    details = [] if scope.unit or not item.named_lead else [item.named_lead]
    if gap:
        details.append(points_text(item.judgement.gap_pp))
    return quoted(item.name) + (f"（{'，'.join(details)}）" if details else "")


def _praised_counties(scope: Scope) -> str:
    """The counties whose every scored target is done, ahead or on track (city bulletin only)."""
    if scope.unit:
        return ""
    clean = [r.unit for r in scope.overview.rankings if r.total and r.good == r.total]
    if not clean:
        return ""
    return f"{'、'.join(clean)}承担的目标任务全部达到序时进度要求，予以通报表扬。"


# ── 各方面 ──────────────────────────────────────────────────────────────────


def _areas(scope: Scope) -> Section:
    section = Section("各方面推进情况")
    names = [a.name for a in scope.overview.plan.areas if not a.livelihood]
    groups = [(name, [i for i in scope.items if i.area == name and i.headline]) for name in names]
    groups = [(name, items) for name, items in groups if items]
    for number, (name, items) in enumerate(groups, start=1):
        section.paragraphs.append(f"（{ordinal(number)}）{short_title(name)}。" + _area_sentence(items))
    section.tables.append(_area_table(groups))
    return section


def _area_sentence(items: list[Item]) -> str:
    counts = status_counts(items)
    parts = "、".join(f"{STATUS_WORDS[s]}{counts[s]}项" for s in COUNT_STATUSES if counts[s])
    text = f"共{len(items)}项目标，{parts}。"
    judged = [i for i in items if i.judgement.gap_pp is not None and i.status is not Status.DONE]
    fast = [i for i in judged if i.judgement.gap_pp <= 0]  # type: ignore[operator]
    slow = [i for i in judged if i.judgement.gap_pp > 0 and i.status not in GOOD_STATUSES]  # type: ignore[operator]
    if fast:
        best = min(fast, key=lambda i: i.judgement.gap_pp)  # type: ignore[arg-type, return-value]
        text += f"进展较快的是{_item_words(best)}。"
    if slow:
        worst = max(slow, key=lambda i: i.judgement.gap_pp)  # type: ignore[arg-type, return-value]
        text += f"进展较慢的是{_item_words(worst)}。"
    return text


def _item_words(item: Item) -> str:
    if item.value is None:
        return f"{quoted(item.name)}（本期未报送数据）"
    if item.stage is not None or item.each is not None:
        return f"{quoted(item.name)}，{item.value_text()}，{points_text(item.judgement.gap_pp)}"
    pct = percent_text(item.judgement.completion_pct)
    return f"{quoted(item.name)}，完成{item.value_text()}，完成率{pct}，{points_text(item.judgement.gap_pp)}"


PERCENT_W = 1.4  # a column holding "100.6%" on one line of 五号 in every annex


def _area_table(groups: list[tuple[str, list[Item]]]) -> Table:
    columns = (Column("方面", width=4), Column("目标（项）", ColumnKind.COUNT),
               *(Column(s.label, ColumnKind.COUNT) for s in COUNT_STATUSES),
               Column("正常及以上占比", ColumnKind.PERCENT, PERCENT_W))  # fmt: skip
    rows = []
    for name, items in groups:
        counts = status_counts(items)
        good = sum(counts[s] for s in GOOD_STATUSES)
        rows.append(
            (name, len(items), *(counts[s] for s in COUNT_STATUSES), tenth(Decimal(100) * good / len(items)))
        )
    return Table("各方面推进情况", columns, rows)


# ── 惠民实事、项目建设 ──────────────────────────────────────────────────────


def _livelihood(scope: Scope) -> Section | None:
    items = [i for i in scope.items if i.livelihood]
    if not items:
        return None
    area = next((a for a in scope.overview.plan.areas if a.livelihood), None)
    title = area.name if area else "惠民实事"
    section = Section(f"{title.removeprefix(f'{scope.overview.plan.year}年')}推进情况")
    counts = status_counts(items)
    parts = "，".join(f"{STATUS_WORDS[s]}{counts[s]}项" for s in COUNT_STATUSES if counts[s])
    named = [t.title for t in area.tasks] if area else list(dict.fromkeys(i.task for i in items))
    text = f"{len(named)}件惠民实事共设{len(items)}项量化目标，{parts}。"  # quoted names run on without 、 (GB/T 15834)
    done = [i for i in items if i.status is Status.DONE]
    if done:
        text += f"其中{series(quoted(i.name) for i in done)}已完成年度目标。"
    section.paragraphs.append(text)
    section.tables.append(_progress_table("惠民实事推进情况", items, numbered_by=named))
    return section


def _projects(scope: Scope) -> Section | None:
    items = [i for i in scope.items if PROJECT_WORD in i.task]
    if not items:
        return None
    section = Section("重大项目建设推进情况")
    words = "；".join(_item_words(i) for i in items)
    section.paragraphs.append(f"项目建设方面共{len(items)}项目标：{words}。")
    section.charts.append(charts.progress_chart(items=items, title="项目建设目标完成率与序时进度"))
    section.tables.append(_progress_table("项目建设推进情况", items))
    return section


def _progress_table(title: str, items: list[Item], numbered_by: list[str] | None = None) -> Table:
    columns = (Column("序号", ColumnKind.COUNT, 0.6), Column("事项", width=2), Column("目标指标", width=2.6),
               Column("年度目标", width=1.8), Column("完成情况", width=1.8), Column("完成率", ColumnKind.PERCENT, PERCENT_W),
               Column("序时进度", ColumnKind.PERCENT, PERCENT_W), Column("状态", width=1.3), *FIGURE_COLUMNS)  # fmt: skip
    rows = []
    for index, item in enumerate(items, start=1):
        number = numbered_by.index(item.task) + 1 if numbered_by else index
        rows.append((number, short_title(item.task), item.name, item.target_text(), item.value_text(),
                     tenth(item.judgement.completion_pct), tenth(item.judgement.expected_pct), item.status.label,
                     *_figures(item)))  # fmt: skip
    return Table(title, columns, rows)


FIGURE_COLUMNS = (Column("目标值", ColumnKind.NUMBER, sheet_only=True), Column("完成值", ColumnKind.NUMBER, sheet_only=True),
                  Column("计量单位", sheet_only=True))  # fmt: skip


def _figures(item: Item) -> tuple[Decimal, Decimal | None, str]:
    """Target and figure as plain numbers in the indicator's display unit (亿元), exact, for the workbook."""
    unit, shown = item.indicator.unit, item.indicator.shown_unit
    value = None if item.value is None else to_display(item.value, unit=unit, display_unit=shown)
    return to_display(item.target, unit=unit, display_unit=shown), value, shown


# ── 滞后事项 ────────────────────────────────────────────────────────────────


def _lagging(scope: Scope) -> Section:
    behind = lagging(scope.items)
    section = Section("滞后事项")
    headline = [i for i in behind if i.headline]
    if not headline:
        section.paragraphs.append(f"本期{_subject(scope)}无滞后于序时进度的目标任务。")
    else:
        far = [i for i in headline if i.status is Status.FAR_BEHIND]
        slow = [i for i in headline if i.status is Status.BEHIND]
        text = f"本期{_subject(scope)}共有{len(headline)}项目标滞后于序时进度"
        section.paragraphs.append(text + (f"，其中严重滞后{len(far)}项。" if far else "。"))
        if far:
            section.paragraphs.append("严重滞后的是：" + "；".join(_lag_words(i, scope) for i in far) + "。")
        if slow:
            section.paragraphs.append(_slow_words(slow, scope))
    aspirations = [i for i in behind if not i.headline]
    if aspirations:
        named = "；".join(_lag_words(i, scope, act=False) for i in aspirations)
        section.paragraphs.append(f"力争目标中，{named}，请{scope.you}加大工作力度，力争完成。")
    if behind:
        section.tables.append(_lagging_table(behind, scope.open_items))
    return section


def _subject(scope: Scope) -> str:
    return scope.level.you if scope.unit else scope.level.whole


def _lag_words(item: Item, scope: Scope, *, act: bool = True) -> str:
    """“培育储备国家级重点专科数”（市卫生健康委），完成1个，低于序时进度33.3个百分点，现予挂牌督办."""
    words = quoted(item.name) + ("" if scope.unit or not item.named_lead else f"（{item.named_lead}）")
    facts = [f"完成{item.value_text()}" if item.stage is None and item.each is None else item.value_text(),
             points_text(item.judgement.gap_pp), *_verdicts(item, scope)]  # fmt: skip
    if act:
        facts.extend(_actions(item, scope))
    return words + "，" + "，".join(f for f in facts if f)


def _verdicts(item: Item, scope: Scope) -> list[str]:
    """Why an item is 严重滞后 when its gap alone would not make it so: a deadline or a milestone node missed."""
    due = item.indicator.due
    if due is not None and scope.overview.on > due and item.status is Status.FAR_BEHIND:
        return [f"已超过完成时限（{date_text(due)}）仍未完成"]
    gap = item.judgement.gap_pp
    limit = scope.overview.plan.thresholds.far_behind
    if item.status is Status.FAR_BEHIND and gap is not None and gap <= limit:
        return ["未按计划节点完成"]
    if item.value is None:
        return ["本期未报送数据"]
    return []


def _slow_words(slow: list[Item], scope: Scope) -> str:
    """滞后的是：…; when several were behind last month too, the 督办 they now get said once after the list."""
    again = [i for i in slow if scope.was_lagging(i) and i.indicator.id not in scope.open_items]
    if len(again) < 2:
        return "滞后的是：" + "；".join(_lag_words(i, scope) for i in slow) + "。"
    named = "；".join(_lag_words(i, scope, act=i not in again) for i in slow)
    others = [i for i in slow if i not in again]
    if not others:
        which = f"以上{len(again)}项均"
    elif len(others) < len(again):
        which = f"其中，除{series(quoted(i.name) for i in others)}外，其余{len(again)}项"
    else:
        which = f"其中，{series(quoted(i.name) for i in again)}"
    return f"滞后的是：{named}。{which}已连续两个月滞后，纳入督办。"


def _actions(item: Item, scope: Scope) -> list[str]:
    """The 督办 the office has taken or announces: the open ticket, 挂牌督办, then 约谈 when it persists."""
    label = scope.open_items.get(item.indicator.id)
    actions = [f"已下达{label}"] if label else []
    if item.status is Status.FAR_BEHIND:
        if not label and scope.rules.far_behind:
            actions.append("现予挂牌督办")
        if scope.was_lagging(item, Status.FAR_BEHIND):
            who = (
                f"{scope.level.you}分管负责同志"
                if scope.unit
                else f"{item.named_lead or '牵头单位'}主要负责同志"
            )
            actions.append(f"已连续两个月严重滞后，将约谈{who}")
    elif scope.was_lagging(item):
        actions.append("已连续两个月滞后" + ("" if label else "，纳入督办"))
    return actions


def _lagging_table(items: list[Item], open_items: Mapping[str, str]) -> Table:
    columns = (Column("序号", ColumnKind.COUNT, 0.6), Column("目标指标", width=3), Column("牵头单位", width=1.8),
               Column("完成情况", width=1.6), Column("完成率", ColumnKind.PERCENT, PERCENT_W),
               Column("序时进度", ColumnKind.PERCENT, PERCENT_W), Column("落后（百分点）", ColumnKind.POINTS, 1.1),
               Column("状态", width=1.3), Column("督办", width=1.3), *FIGURE_COLUMNS)  # fmt: skip
    rows = [(n, i.name, i.lead_unit, i.value_text(), tenth(i.judgement.completion_pct),
             tenth(i.judgement.expected_pct), tenth(i.judgement.gap_pp), i.status.label,
             open_items.get(i.indicator.id, "未督办"), *_figures(i)) for n, i in enumerate(items, start=1)]  # fmt: skip
    return Table("滞后事项清单", columns, rows)


# ── 存在问题 ────────────────────────────────────────────────────────────────


def _problems(scope: Scope) -> Section | None:
    causes, vague = group_causes(notes=scope_notes(scope))
    if not causes and not vague:
        return None
    section = Section("存在问题")
    lead = f"从{scope.level.you}报送的滞后原因看" if scope.unit else "从各单位报送的滞后原因看"
    section.paragraphs.append(f"{lead}，主要存在以下问题：" if causes else f"{lead}：")
    for number, cause in enumerate(causes, start=1):
        section.paragraphs.append(
            cause_sentence(cause, number=number, voice=scope.level.you if scope.unit else None)
        )
    if vague:
        section.paragraphs.append(vague_sentence(vague, voice=scope.level.you if scope.unit else None))
    return section


# ── 排名 ────────────────────────────────────────────────────────────────────


def rank_method(level: Level) -> str:
    """How the ranking scores, said before it."""
    return (f"排名按各{level.regions}承担目标中已完成、超序时和正常推进目标的加权占比计分（满分100分），"
            "得分相同的并列；并列时按已完成占比高、严重滞后项数少的顺序排列。")  # fmt: skip


def _ranking(scope: Scope) -> Section | None:
    rankings = scope.overview.rankings
    if not rankings:
        return None
    section = Section(
        f"{scope.level.regions}排名情况", [rank_method(scope.level) + ranking_sentence(rankings=rankings)]
    )
    if scope.unit:
        section.paragraphs.append(_own_rank_sentence(scope))
    section.charts.append(
        charts.county_chart(rankings=rankings, items=_county_counts(scope), unit=scope.unit,
                            title=f"各{scope.level.regions}目标推进情况（按排名）")
    )  # fmt: skip
    section.tables.append(_ranking_table(rankings, scope.unit, scope.level))
    return section


def ranking_sentence(*, rankings: list[Ranking], n: int = 3) -> str:
    """本期第一名昭阳区（100分）；第二名A、B（均为95.5分）…；排名靠后的是… — ties as ties."""
    top = [r for r in rankings if r.rank <= n]
    if len(rankings) < 2 * n:
        return f"本期{_places(top)}。"
    cut = rankings[-n].rank
    bottom = [r for r in rankings if r.rank >= cut and r not in top]
    return f"本期{_places(top)}；排名靠后的是{_places(bottom)}。"


def _places(rows: list[Ranking]) -> str:
    groups: dict[int, list[Ranking]] = {}
    for row in rows:
        groups.setdefault(row.rank, []).append(row)
    return "，".join(_place(rank, group) for rank, group in groups.items())


def _place(rank: int, group: list[Ranking]) -> str:
    names = "、".join(r.unit for r in group)
    score = score_text(group[0].score)
    tie = f"（并列，均为{score}分）" if len(group) > 1 else f"（{score}分）"
    return f"第{_rank_word(rank)}名{names}{tie}"


def _rank_word(rank: int) -> str:
    return ordinal(rank) if rank <= 10 else f"十{ordinal(rank - 10)}" if rank < 20 else str(rank)


def _own_rank_sentence(scope: Scope) -> str:
    rankings, unit = scope.overview.rankings, scope.unit
    own = next((r for r in rankings if r.unit == unit), None)
    if own is None:
        return f"{scope.level.you}本期未参与排名。"
    tied = sum(1 for r in rankings if r.rank == own.rank) > 1
    text = (f"{scope.level.you}在{len(rankings)}个{scope.level.regions}中排名第{own.rank}位{'（并列）' if tied else ''}，"
            f"得分{score_text(own.score)}分{_rank_change(scope, own)}。")  # fmt: skip
    parts = [f"承担目标{own.total}项", f"正常及以上{own.good}项"]
    parts += [f"严重滞后{own.far_behind}项"] if own.far_behind else []
    parts += [f"未报送{own.not_reported}项"] if own.not_reported else []
    return text + "，".join(parts) + "。"


def _rank_change(scope: Scope, own: Ranking) -> str:
    if scope.before is None:
        return ""
    was = next((r for r in scope.before.rankings if r.unit == own.unit), None)
    if was is None or was.rank == own.rank:
        return "，与上月持平" if was else ""
    return f"，较上月{'上升' if own.rank < was.rank else '下降'}{abs(own.rank - was.rank)}位"


def _county_counts(scope: Scope) -> dict[str, dict[Status, int]]:
    """Each county's scored targets by status, the very counts its score and rank come from."""
    return {r.unit: r.counts for r in scope.overview.rankings}


def _ranking_table(rankings: list[Ranking], unit: str | None, level: Level) -> Table:
    # Widths in characters of 五号 (one more for the cell's padding), so no heading breaks inside a word:
    # 县（市、区） on one line; 目标/（项）, 正常及以上/（项）, 严重滞后/（项）, 未报送/（项） on two.
    columns = (Column("排名", ColumnKind.COUNT, 3.5), Column(level.regions, width=7), Column("得分", ColumnKind.POINTS, 4),
               Column("目标（项）", ColumnKind.COUNT, 4), Column("正常及以上（项）", ColumnKind.COUNT, 6),
               Column("已完成占比", ColumnKind.PERCENT, 6), Column("严重滞后（项）", ColumnKind.COUNT, 5),
               Column("未报送（项）", ColumnKind.COUNT, 4))  # fmt: skip
    rows = [(r.rank, r.unit, tenth(r.score), r.total, r.good, tenth(r.done_share), r.far_behind, r.not_reported)
            for r in rankings]  # fmt: skip
    own = frozenset(n for n, r in enumerate(rankings) if r.unit == unit)
    return Table(f"{level.regions_short}排名", columns, rows, highlight=own)


# ── 报送情况 ────────────────────────────────────────────────────────────────


def _reporting(scope: Scope) -> Section:
    lines = scope.reporting
    short = [r for r in lines if r.missing or r.returned]
    section = Section("报送情况")
    if not short:
        pending = sum(r.pending for r in lines)
        section.paragraphs.append(
            f"本期{f'{scope.level.you}已' if scope.unit else f'各{scope.level.regions}和{scope.level.short}直各有关部门均已'}按时报送全部进度数据"
            + (f"，其中{pending}项尚待审核。" if pending else "。")
        )
        return section
    if scope.unit:
        section.paragraphs.append(_unit_reporting_sentence(short[0], you=scope.level.you))
    else:
        section.paragraphs.append(_reporting_sentence(short, len(lines)))
    section.tables.append(_reporting_table(short, city_name(scope.overview.plan), scope.level))
    return section


def recipients_reporting(*, lines: list[ReportingLine], plan: Plan) -> list[ReportingLine]:
    """One line per unit right below the plan's top, in the plan's order, summing the lines of the units under
    it: a province's bulletin goes to its cities and names them, not its 1,500 townships."""
    parents, order = {u.name: u.parent for u in plan.units}, {u.name: n for n, u in enumerate(plan.units)}
    grouped: dict[str, list[ReportingLine]] = {}
    for line in lines:
        grouped.setdefault(_recipient(parents, line.unit), []).append(line)
    kinds = {u.name: u.kind for u in plan.units}
    return [group[0] if [line.unit for line in group] == [name] else _summed(name, kinds[name], group)
            for name, group in sorted(grouped.items(), key=lambda item: order.get(item[0], len(order)))]  # fmt: skip


def _recipient(parents: Mapping[str, str | None], unit: str) -> str:
    """The unit's ancestor right below the top: itself when it is there (or is the top)."""
    seen = {unit}
    while (parent := parents.get(unit)) and parents.get(parent) and parent not in seen:
        unit = parent
        seen.add(unit)
    return unit


def _summed(unit: str, kind: OrgKind, lines: list[ReportingLine]) -> ReportingLine:
    def total(name: str) -> int:
        return sum(getattr(line, name) for line in lines)

    return ReportingLine(unit, kind, total("expected"), total("submitted"), total("approved"), total("returned"),
                         total("missing"), any(line.late for line in lines))  # fmt: skip


def _unit_reporting_sentence(line: ReportingLine, *, you: str) -> str:
    parts = [f"已报送{line.submitted}项"]
    parts += [f"其中待审核{line.pending}项"] if line.pending else []
    parts += [f"被退回{line.returned}项"] if line.returned else []
    parts += [f"未报送{line.missing}项"] if line.missing else []
    text = f"本期{you}应报送{line.expected}项，" + "，".join(parts) + "。"
    return text + (f"{you}已超过报送时限仍未报齐，予以通报。" if line.late else "")


def _reporting_sentence(short: list[ReportingLine], total: int) -> str:
    text = f"本期应报送单位{total}个，其中{len(short)}个单位存在未报送或被退回的数据。"
    late = [r.unit for r in short if r.late]
    if late:
        text += f"截至通报日，{'、'.join(late)}已超过报送时限仍未报齐，予以通报。"
    due = [r.unit for r in short if r.missing and not r.late]
    if due:
        text += f"{'、'.join(due)}尚未报齐（未到报送时限）。"
    returned = [r.unit for r in short if r.returned]
    if returned:
        text += f"{'、'.join(returned)}有数据被退回，请尽快核实修改后重新提交。"
    return text


def _reporting_table(lines: list[ReportingLine], top: str, level: Level) -> Table:
    columns = (Column("单位", width=2), Column("类别", width=1.2), Column("应报（项）", ColumnKind.COUNT),
               Column("已报（项）", ColumnKind.COUNT), Column("审核通过（项）", ColumnKind.COUNT),
               Column("待审核（项）", ColumnKind.COUNT), Column("退回（项）", ColumnKind.COUNT),
               Column("未报（项）", ColumnKind.COUNT), Column("情况", width=1.4))  # fmt: skip
    rows = [(r.unit, _kind_word(r, top, level), r.expected, r.submitted, r.approved, r.pending, r.returned, r.missing,
             _reporting_state(r)) for r in lines]  # fmt: skip
    return Table("报送情况", columns, rows)


def _kind_word(line: ReportingLine, top: str, level: Level) -> str:
    """县（市、区）, a province's 市（州）, or 市直部门 (the plan's top unit's own line too; a province's 省直部门)."""
    return level.departments if line.unit == top else level.kind_word(line.kind)


def _reporting_state(line: ReportingLine) -> str:
    if line.late:
        return "逾期未报"
    if line.missing:
        return "未报齐（未到期）"
    return "有数据退回"
