"""Build the 督查通报 from a period's overview (and the month before): sentences filled from figures only.

The city bulletin speaks of the city's standing on every indicator; a county bulletin (`unit`) of the
targets that county holds, judged against its own share. 力争 targets are listed but kept out of counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from duban.choices import OrgKind, Status
from duban.plan.assignments import city_name
from duban.progress.judge import GOOD_STATUSES
from duban.progress.ranking import Ranking, top_and_bottom
from duban.reports import charts
from duban.reports.items import Item, city_items, county_items, lagging, status_counts
from duban.reports.model import Bulletin, Column, ColumnKind, Section, Table
from duban.reports.text import date_text, ordinal, percent_text, period_text, points_text, short_title, tenth
from duban.store.overview import Overview, ReportingLine

PROJECT_WORD = "项目"
COUNT_STATUSES = tuple(Status)
STATUS_WORDS = {Status.DONE: "已完成", Status.AHEAD: "超序时进度", Status.ON_TRACK: "正常推进",
                Status.BEHIND: "滞后", Status.FAR_BEHIND: "严重滞后", Status.NOT_REPORTED: "未报送",
                Status.PENDING: "数据待审核"}  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """What one bulletin covers: the city or one county, this month and the one before."""

    overview: Overview
    items: list[Item]
    previous: list[Item] | None
    unit: str | None
    open_items: Mapping[str, str]
    issued: date

    @property
    def name(self) -> str:
        return self.unit or "全市"


def build_bulletin(
    *, overview: Overview, previous: Overview | None = None, unit: str | None = None,
    open_items: Mapping[str, str] | None = None, issued: date,
) -> Bulletin:  # fmt: skip
    """The bulletin for the city (or `unit`, a county); `open_items` maps indicator ids to open 督办 items."""
    scope = Scope(overview, _items(overview, unit), _items(previous, unit) if previous else None, unit,
                  open_items or {}, issued)  # fmt: skip
    sections = [_summary(scope), _areas(scope), _livelihood(scope), _projects(scope), _lagging(scope),
                _ranking(scope), _reporting(scope)]  # fmt: skip
    for number, section in enumerate(sections, start=1):
        section.heading = f"{ordinal(number)}、{section.heading}"
    return _framed(scope, sections)


def _items(overview: Overview, unit: str | None) -> list[Item]:
    return county_items(overview, unit) if unit else city_items(overview)


def _framed(scope: Scope, sections: list[Section]) -> Bulletin:
    plan, month = scope.overview.plan, scope.overview.month
    city = city_name(plan)
    subject = (
        f"{scope.unit}{plan.year}年{period_text(month)}"
        if scope.unit
        else f"{plan.year}年{period_text(month)}全市"
    )
    return Bulletin(
        office=f"{city}人民政府督查室", doc_number=f"{city[:1]}政督通〔{plan.year}〕X号",
        title=f"关于{subject}重点工作推进情况的通报",
        addressee=f"{scope.unit}人民政府：" if scope.unit else "各县（市、区）人民政府，市直各有关部门：",
        opening=f"现将{subject}重点工作推进情况通报如下（数据截至{date_text(scope.overview.on)}，{_basis_words(scope)}）。",
        issued=scope.issued, year=plan.year, month=month, unit=scope.unit, sections=sections,
        closing=_closing(scope),
    )  # fmt: skip


def _basis_words(scope: Scope) -> str:
    """Which figures the bulletin counted, as the office chose (含待审核数据 or approved only)."""
    if scope.overview.basis.include_submitted:
        return "含已提交尚未审核的数据"
    return "以审核通过的数据为准"


def _closing(scope: Scope) -> list[str]:
    return [
        "请各牵头单位和责任单位对照本通报，对滞后、严重滞后事项逐项分析原因，明确整改措施和完成时限，"
        "并在下月报送进度时一并说明整改情况。",
        "请各单位严格按照报送时限填报进度数据，确保数据真实准确、佐证材料齐全。",
    ]


# ── 总体情况 ────────────────────────────────────────────────────────────────


def _summary(scope: Scope) -> Section:
    counts = status_counts(scope.items)
    section = Section("总体情况", [_summary_sentence(scope, counts), _change_sentence(scope, counts)])
    section.paragraphs.extend(_revision_sentences(scope))
    before = status_counts(scope.previous) if scope.previous is not None else None
    section.tables.append(_summary_table(counts, before))
    section.charts.append(charts.status_chart(counts=counts, title=f"{scope.name}目标任务推进状态分布"))
    return section


def _summary_sentence(scope: Scope, counts: dict[Status, int]) -> str:
    total = sum(counts.values())
    good = sum(counts[s] for s in GOOD_STATUSES)
    aspirations = sum(1 for i in scope.items if not i.headline)
    extra = f"（另有力争目标{aspirations}项，单独列示，不计入统计）" if aspirations else ""
    parts = "，".join(
        f"{STATUS_WORDS[s]}{counts[s]}项" for s in COUNT_STATUSES if counts[s] or s is not Status.PENDING
    )
    share = percent_text(Decimal(100) * good / total) if total else "—"
    return (f"截至{scope.overview.month}月底，{scope.name}纳入督查的年度目标任务{total}项{extra}。其中{parts}；"
            f"已完成、超序时和正常推进的合计{good}项，占{share}。")  # fmt: skip


def _change_sentence(scope: Scope, counts: dict[Status, int]) -> str:
    if scope.previous is None:
        return "本期为年度首次通报。"
    before = status_counts(scope.previous)
    changes = [_change_words(s, counts[s] - before[s]) for s in COUNT_STATUSES if counts[s] != before[s]]
    if not changes:
        return "与上月相比，各类状态的目标数量均无变化。"
    return "与上月相比，" + "，".join(changes) + "。"


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


# ── 各方面 ──────────────────────────────────────────────────────────────────


def _areas(scope: Scope) -> Section:
    section = Section("各方面推进情况")
    names = [a.name for a in scope.overview.plan.areas]
    groups = [(name, [i for i in scope.items if i.area == name and i.headline]) for name in names]
    groups = [(name, items) for name, items in groups if items]
    for number, (name, items) in enumerate(groups, start=1):
        section.paragraphs.append(f"（{ordinal(number)}）{name}。" + _area_sentence(items))
    section.tables.append(_area_table(groups))
    return section


def _area_sentence(items: list[Item]) -> str:
    counts = status_counts(items)
    parts = "、".join(f"{STATUS_WORDS[s]}{counts[s]}项" for s in COUNT_STATUSES if counts[s])
    text = f"共{len(items)}项目标，{parts}。"
    judged = [i for i in items if i.judgement.gap_pp is not None]
    if len(judged) < 2:
        return text
    ordered = sorted(judged, key=lambda i: i.judgement.gap_pp)  # type: ignore[arg-type, return-value]
    return text + f"进展较快的是{_item_words(ordered[0])}；进展较慢的是{_item_words(ordered[-1])}。"


def _item_words(item: Item) -> str:
    if item.value is None:
        return f"“{item.name}”（本期未报送数据）"
    pct = percent_text(item.judgement.completion_pct)
    return f"“{item.name}”，{item.value_text()}，完成率{pct}，{points_text(item.judgement.gap_pp)}"


def _area_table(groups: list[tuple[str, list[Item]]]) -> Table:
    columns = (Column("方面", width=4), Column("目标（项）", ColumnKind.COUNT),
               *(Column(s.label, ColumnKind.COUNT) for s in COUNT_STATUSES),
               Column("正常及以上占比", ColumnKind.PERCENT))  # fmt: skip
    rows = []
    for name, items in groups:
        counts = status_counts(items)
        good = sum(counts[s] for s in GOOD_STATUSES)
        rows.append(
            (name, len(items), *(counts[s] for s in COUNT_STATUSES), tenth(Decimal(100) * good / len(items)))
        )
    return Table("各方面", columns, rows)


# ── 惠民实事、项目建设 ──────────────────────────────────────────────────────


def _livelihood(scope: Scope) -> Section:
    items = [i for i in scope.items if i.livelihood]
    tasks = list(dict.fromkeys(i.task for i in items))
    area = next((a for a in scope.overview.plan.areas if a.livelihood), None)
    title = area.name if area else "惠民实事"
    section = Section(f"{title.removeprefix(f'{scope.overview.plan.year}年')}推进情况")
    if not items:
        section.paragraphs.append(f"{scope.name}本期无惠民实事目标。")
        return section
    counts = status_counts(items)
    parts = "，".join(f"{STATUS_WORDS[s]}{counts[s]}项" for s in COUNT_STATUSES if counts[s])
    named = [t.title for t in area.tasks] if area else tasks
    section.paragraphs.append(f"{len(named)}件惠民实事共设{len(items)}项量化目标，{parts}。")
    section.tables.append(_progress_table("惠民实事", items, numbered_by=named))
    return section


def _projects(scope: Scope) -> Section:
    items = [i for i in scope.items if PROJECT_WORD in i.task]
    section = Section("重大项目建设推进情况")
    if not items:
        section.paragraphs.append(f"{scope.name}本期无项目建设类目标。")
        return section
    words = "；".join(_item_words(i) for i in items)
    section.paragraphs.append(f"项目建设方面共{len(items)}项目标：{words}。")
    section.charts.append(charts.progress_chart(items=items, title="项目建设目标完成率与序时进度"))
    section.tables.append(_progress_table("项目建设", items))
    return section


def _progress_table(title: str, items: list[Item], numbered_by: list[str] | None = None) -> Table:
    columns = (Column("序号", width=0.6), Column("事项", width=2.2), Column("目标指标", width=3),
               Column("年度目标", width=1.6), Column("完成情况", width=1.6), Column("完成率", ColumnKind.PERCENT, 1.1),
               Column("序时进度", ColumnKind.PERCENT, 1.1), Column("状态", width=1.3))  # fmt: skip
    rows = []
    for index, item in enumerate(items, start=1):
        number = numbered_by.index(item.task) + 1 if numbered_by else index
        rows.append((str(number), short_title(item.task), item.name, item.target_text(), item.value_text(),
                     tenth(item.judgement.completion_pct), tenth(item.judgement.expected_pct), item.status.label))  # fmt: skip
    return Table(title, columns, rows)


# ── 滞后事项 ────────────────────────────────────────────────────────────────


def _lagging(scope: Scope) -> Section:
    behind = lagging(scope.items)
    section = Section("滞后事项")
    if not behind:
        section.paragraphs.append(f"本期{scope.name}无滞后于序时进度的目标任务。")
        return section
    far = sum(1 for i in behind if i.status is Status.FAR_BEHIND)
    opened = sum(1 for i in behind if i.indicator.id in scope.open_items)
    section.paragraphs.append(
        f"本期{scope.name}共有{len(behind)}项目标滞后于序时进度{_aspiration_note(behind)}，其中严重滞后{far}项，已立督办事项{opened}项。"
        f"滞后最多的是{_item_words(behind[0])}。"
    )
    section.tables.append(_lagging_table(behind, scope.open_items))
    return section


def _aspiration_note(items: list[Item]) -> str:
    count = sum(1 for i in items if not i.headline)
    return f"（含力争目标{count}项）" if count else ""


def _lagging_table(items: list[Item], open_items: Mapping[str, str]) -> Table:
    columns = (Column("序号", width=0.6), Column("目标指标", width=3), Column("牵头单位", width=1.8),
               Column("完成情况", width=1.6), Column("完成率", ColumnKind.PERCENT, 1.1),
               Column("序时进度", ColumnKind.PERCENT, 1.1), Column("落后（百分点）", ColumnKind.POINTS, 1.1),
               Column("状态", width=1.3), Column("督办", width=1.3))  # fmt: skip
    rows = [(str(n), i.name, i.lead_unit, i.value_text(), tenth(i.judgement.completion_pct),
             tenth(i.judgement.expected_pct), tenth(i.judgement.gap_pp), i.status.label,
             open_items.get(i.indicator.id, "未督办")) for n, i in enumerate(items, start=1)]  # fmt: skip
    return Table("滞后事项", columns, rows)


# ── 排名 ────────────────────────────────────────────────────────────────────


def _ranking(scope: Scope) -> Section:
    rankings = scope.overview.rankings
    section = Section("县（市、区）排名情况")
    if not rankings:
        section.paragraphs.append("本期暂无县（市、区）排名。")
        return section
    section.paragraphs.append(_ranking_sentence(rankings))
    if scope.unit:
        section.paragraphs.append(_own_rank_sentence(rankings, scope.unit))
    section.charts.append(
        charts.county_chart(rankings=rankings, items=_county_counts(scope), unit=scope.unit)
    )
    section.tables.append(_ranking_table(rankings, scope.unit))
    return section


def _ranking_sentence(rankings: list[Ranking]) -> str:
    top, bottom = top_and_bottom(rankings=rankings, n=min(3, len(rankings) // 2))
    named = "、".join(f"{r.unit}（{tenth(r.score)}分）" for r in top)
    last = "、".join(f"{r.unit}（{tenth(r.score)}分）" for r in bottom)
    return ("按各县（市、区）承担目标中已完成、超序时和正常推进目标的加权占比计分排名，"
            f"排名前三位的是{named}；排名后三位的是{last}。")  # fmt: skip


def _own_rank_sentence(rankings: list[Ranking], unit: str) -> str:
    own = next((r for r in rankings if r.unit == unit), None)
    if own is None:
        return f"{unit}本期未参与排名。"
    return (f"{unit}在{len(rankings)}个县（市、区）中排名第{own.rank}位，得分{tenth(own.score)}分，"
            f"承担目标{own.total}项，正常及以上{own.good}项，严重滞后{own.far_behind}项，未报送{own.not_reported}项。")  # fmt: skip


def _county_counts(scope: Scope) -> dict[str, dict[Status, int]]:
    """Each county's scored targets by status, the very counts its score and rank come from."""
    return {r.unit: r.counts for r in scope.overview.rankings}


def _ranking_table(rankings: list[Ranking], unit: str | None) -> Table:
    columns = (Column("排名", ColumnKind.COUNT), Column("县（市、区）", width=1.4), Column("得分", ColumnKind.POINTS),
               Column("目标（项）", ColumnKind.COUNT), Column("正常及以上（项）", ColumnKind.COUNT),
               Column("已完成占比", ColumnKind.PERCENT), Column("严重滞后（项）", ColumnKind.COUNT),
               Column("未报送（项）", ColumnKind.COUNT))  # fmt: skip
    rows = [(r.rank, r.unit, tenth(r.score), r.total, r.good, tenth(r.done_share), r.far_behind, r.not_reported)
            for r in rankings]  # fmt: skip
    own = frozenset(n for n, r in enumerate(rankings) if r.unit == unit)
    return Table("县区排名", columns, rows, highlight=own)


# ── 报送情况 ────────────────────────────────────────────────────────────────


def _reporting(scope: Scope) -> Section:
    lines = [r for r in scope.overview.reporting if scope.unit in (None, r.unit)]
    short = [r for r in lines if r.missing or r.returned]
    section = Section("报送情况")
    if not short:
        pending = sum(r.pending for r in lines)
        section.paragraphs.append(
            f"本期{scope.unit or '各县（市、区）和市直各有关部门'}均已按时报送全部进度数据"
            + (f"，其中{pending}项尚待审核。" if pending else "。")
        )
    elif scope.unit:
        section.paragraphs.append(_unit_reporting_sentence(short[0]))
    else:
        section.paragraphs.append(_reporting_sentence(short, len(lines)))
    section.tables.append(_reporting_table(short))
    return section


def _unit_reporting_sentence(line: ReportingLine) -> str:
    text = (f"本期{line.unit}应报送{line.expected}项，已报送{line.submitted}项（审核通过{line.approved}项、"
            f"待审核{line.pending}项），退回{line.returned}项，未报送{line.missing}项。")  # fmt: skip
    return text + ("已超过报送时限仍未报齐，予以通报。" if line.late else "")


def _reporting_sentence(short: list[ReportingLine], total: int) -> str:
    text = f"本期应报送单位{total}个，其中{len(short)}个单位存在未报送或被退回的数据。"
    late = [r.unit for r in short if r.late]
    if late:
        text += f"截至通报日，{'、'.join(late)}已超过报送时限仍未报齐，予以通报。"
    returned = [r.unit for r in short if r.returned]
    if returned:
        text += f"{'、'.join(returned)}有数据被退回，请尽快核实修改后重新提交。"
    return text


def _reporting_table(lines: list[ReportingLine]) -> Table:
    columns = (Column("单位", width=2), Column("类别", width=1.2), Column("应报（项）", ColumnKind.COUNT),
               Column("已报（项）", ColumnKind.COUNT), Column("审核通过（项）", ColumnKind.COUNT),
               Column("退回（项）", ColumnKind.COUNT), Column("未报（项）", ColumnKind.COUNT),
               Column("情况", width=1.4))  # fmt: skip
    rows = [(r.unit, _kind_word(r.kind), r.expected, r.submitted, r.approved, r.returned, r.missing,
             _reporting_state(r)) for r in lines]  # fmt: skip
    return Table("报送情况", columns, rows)


def _kind_word(kind: OrgKind) -> str:
    return "县（市、区）" if kind is OrgKind.COUNTY else "市直部门"


def _reporting_state(line: ReportingLine) -> str:
    if line.late:
        return "逾期未报"
    if line.missing:
        return "未报齐（未到期）"
    return "有数据退回"
