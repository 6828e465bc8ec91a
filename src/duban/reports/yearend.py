"""The 年度通报 / 考核结果: the year's final statuses and county ranking, in the form of the monthly bulletin.

Built from `duban.services.yearclose.YearResult` and rendered by the bulletin's own renderers (Word, Excel):
the same masthead, GB/T 9704 page and 附件 tables. Sentences are filled from figures only.
"""

from __future__ import annotations

from datetime import date

from duban.choices import FinalStatus
from duban.plan.assignments import city_name
from duban.plan.levels import Level, plan_level
from duban.reports.build import ranking_sentence
from duban.reports.model import Bulletin, Column, ColumnKind, Section, Table
from duban.reports.text import date_text, ordinal, quoted, score_text, series, share_text, tenth, title_lines
from duban.services.yearclose import CountyResult, TargetResult, YearResult


def build_year_result(*, result: YearResult, issued: date, number: int | None = None) -> Bulletin:
    """The 考核结果 of `result`'s year as a bulletin (in the plan's level's voice, every region below it ranked)."""
    sections = [_summary(result), _ranking(result), _targets(result), _demands(result)]
    for index, section in enumerate(sections, start=1):
        section.heading = f"{ordinal(index)}、{section.heading}"
    city, year, level = city_name(result.plan), result.year, plan_level(result.plan)
    words = ["关于", f"{year}年度", "重点工作", "目标任务", "考核结果", "的通报"]
    return Bulletin(
        office=f"{city}人民政府督查室", doc_number=f"{city[:1]}政督通〔{year + 1}〕{number or 'X'}号",
        title="".join(words), title_lines=title_lines(words=words),
        addressee=f"{level.addressees}：", opening=_opening(result), issued=issued, year=year, month=12, unit=None,
        sections=sections, copy_to=f"{level.short}委办公室，{level.short}人大常委会办公室，{level.short}政协办公室，{city}人民政府办公室",
        printed_by=f"{city}人民政府督查室", warnings=[] if result.closed_at else [f"{year}年度尚未年终考核关闭，结果可能变化"],
    )  # fmt: skip


def _opening(result: YearResult) -> str:
    level = plan_level(result.plan)
    return (f"根据{result.year}年重点工作督查安排，{level.short}政府督查室对照年度目标，以审核通过的全年数据为准，对各{level.regions}和"
            f"{level.short}直各有关部门{result.year}年度重点工作目标任务完成情况进行了年终考核。现将考核结果通报如下"
            f"（数据截至{date_text(date(result.year, 12, 31))}）。")  # fmt: skip


def _summary(result: YearResult) -> Section:
    counts, total = result.counts(), sum(result.counts().values())
    parts = [f"{s.label}{counts[s]}项，占{share_text(counts[s], total)}" for s in FinalStatus]
    line = f"完成率达到{score_text(result.mostly_done)}%但未达到目标的为基本完成"
    return Section(
        "总体情况",
        [
            f"{result.year}年度{plan_level(result.plan).whole}量化目标任务{total}项，其中{'；'.join(parts)}（{line}）。"
        ],
    )


def _ranking(result: YearResult) -> Section:
    rankings, level = [c.ranking for c in result.counties], plan_level(result.plan)
    if not rankings:
        return Section(f"{level.regions}考核排名", [f"本年度无{level.regions}承担的量化目标。"])
    by_status = {s: [c.ranking.unit for c in result.counties if c.status is s] for s in FinalStatus}
    said = "；".join(f"{s.label}的有{'、'.join(units)}" for s, units in by_status.items() if units)
    method = f"按各{level.regions}承担目标的完成情况计分（完成目标占比，按方面权重加权），得分相同的并列。"
    section = Section(f"{level.regions}考核排名", [method + ranking_sentence(rankings=rankings).replace("本期", "本年度"),
                                           f"年度考核结果：{said}。"])  # fmt: skip
    section.tables.append(_ranking_table(result.counties, level))
    return section


def _ranking_table(counties: list[CountyResult], level: Level) -> Table:
    columns = (Column("排名", ColumnKind.COUNT), Column(level.regions, width=1.4), Column("得分", ColumnKind.POINTS),
               Column("目标（项）", ColumnKind.COUNT), Column("完成（项）", ColumnKind.COUNT),
               Column("基本完成（项）", ColumnKind.COUNT), Column("未完成（项）", ColumnKind.COUNT),
               Column("考核结果", width=1.2))  # fmt: skip
    rows = [(c.ranking.rank, c.ranking.unit, tenth(c.ranking.score), sum(c.counts.values()),
             c.counts[FinalStatus.DONE], c.counts[FinalStatus.MOSTLY_DONE], c.counts[FinalStatus.NOT_DONE],
             c.status.label) for c in counties]  # fmt: skip
    return Table(f"{level.regions_short}考核结果", columns, rows)


def _targets(result: YearResult) -> Section:
    missed = [t for t in result.targets if t.status is FinalStatus.NOT_DONE and not t.aspiration]
    named = series(quoted(t.name) for t in missed[:8]) + ("等" if len(missed) > 8 else "")
    level = plan_level(result.plan)
    own = f"{level.short}级目标"
    text = f"未完成的{own}{len(missed)}项：{named}。" if missed else f"{own}均已完成或基本完成。"
    section = Section("目标任务完成情况", [text])
    section.tables.append(_target_table(f"{own}完成情况", result.targets, unit=False))
    section.tables.append(_target_table(f"{level.regions_short}目标完成情况",
                                        [t for c in result.counties for t in c.targets], unit=True))  # fmt: skip
    return section


def _target_table(title: str, targets: list[TargetResult], *, unit: bool) -> Table:
    columns = ((Column("单位", width=1.2),) if unit else ()) + (
        Column("编号"), Column("目标任务", width=2.6), Column("年度目标", ColumnKind.NUMBER),
        Column("全年完成", ColumnKind.NUMBER), Column("完成率", ColumnKind.PERCENT), Column("考核结果"),
    )  # fmt: skip
    rows = [((t.unit,) if unit else ()) + (t.code, t.name + ("（力争）" if t.aspiration else ""), t.target, t.actual,
                                           tenth(t.completion_pct), t.status.label) for t in targets]  # fmt: skip
    return Table(title, columns, rows)


def _demands(result: YearResult) -> Section:
    behind = [c.ranking.unit for c in result.counties if c.status is FinalStatus.NOT_DONE]
    short = plan_level(result.plan).short
    first = ("请考核结果为未完成的" + "、".join(behind) + f"认真分析原因，于次年1月底前向{short}政府督查室书面报告整改措施。"
             if behind else "请各地各部门巩固成果，认真谋划下一年度工作。")  # fmt: skip
    second = f"未完成目标中需继续推进的督办事项，已结转{result.year + 1}年度督办，请责任单位按期办理反馈。"
    return Section("工作要求", [f"一是{first}", f"二是{second}"])
