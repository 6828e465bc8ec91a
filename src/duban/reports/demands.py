"""下步工作要求 as 一是/二是/三是, built from the situation: what lags, what is due, what follows if it persists."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from duban.choices import Status
from duban.reports.causes import Note, group_causes
from duban.reports.items import Item, lagging
from duban.reports.text import date_text, ordinal, quoted, series

if TYPE_CHECKING:
    from duban.reports.build import Scope

YEAR_END_MONTHS = 3  # from October on, the bulletin counts the months left


def demands(scope: Scope) -> list[str]:
    """The numbered demands of the bulletin, each a paragraph starting 一是, 二是 …"""
    found = [_lagging_demand(scope), _deadline_demand(scope), _escalation_demand(scope),
             _causes_demand(scope), _reporting_demand(scope)]  # fmt: skip
    kept = [text for text in found if text]
    return [f"{ordinal(n)}是{text}" for n, text in enumerate(kept, start=1)]


def units_words(units: list[str], *, most: int = 4) -> str:
    """市发展改革委、市交通运输局, or the first four and 等9个单位."""
    units = list(dict.fromkeys(units))
    if len(units) <= most:
        return "、".join(units)
    return f"{'、'.join(units[:most])}等{len(units)}个单位"


def _who(scope: Scope, items: list[Item]) -> str:
    return scope.level.you if scope.unit else units_words([i.lead_unit for i in items])


def _lagging_demand(scope: Scope) -> str:
    behind = [i for i in lagging(scope.items) if i.headline]
    if not behind:
        return (f"巩固推进成效。请{scope.level.you if scope.unit else '各牵头单位'}保持工作力度，"
                "确保正常推进的目标继续按序时推进、已完成的目标巩固提升。")  # fmt: skip
    return (f"抓紧推动滞后事项赶进度。请{_who(scope, behind)}对滞后的{len(behind)}项目标逐项分析原因，"
            "明确整改措施、责任人和完成时限，确保尽快达到序时进度。")  # fmt: skip


def _deadline_demand(scope: Scope) -> str:
    """Targets with a completion date still open, and the months left in the year."""
    on = scope.overview.on
    due = [
        i for i in scope.items if i.indicator.due and i.status is not Status.DONE and i.indicator.due >= on
    ]
    left = 12 - scope.overview.month
    dates = sorted({i.indicator.due for i in due if i.indicator.due})
    parts = [f"{series(quoted(i.name) for i in due if i.indicator.due == day)}须于{date_text(day)}前完成"
             for day in dates]  # fmt: skip
    if left <= YEAR_END_MONTHS:
        open_count = sum(1 for i in scope.items if i.headline and i.status is not Status.DONE)
        year = (f"距年底仅剩{left}个月，尚有{open_count}项目标未完成，请对照年度目标倒排工期、挂图作战，"
                "确保全面完成年度目标任务" if left else "")  # fmt: skip
        parts = [p for p in [year, *parts] if p]
    if not parts:
        return ""
    return "紧盯时间节点。" + "；".join(parts) + "。"


def _escalation_demand(scope: Scope) -> str:
    far = [i for i in scope.items if i.headline and i.status is Status.FAR_BEHIND]
    if not far:
        return ""
    days = scope.rules.reply_days
    who = _who(scope, far)
    leaders = f"{scope.level.you}分管负责同志" if scope.unit else "牵头单位主要负责同志"
    return (f"强化督办问责。对严重滞后的{len(far)}项目标实行挂牌督办，请{who}在收到督办单后{days}日内书面反馈整改措施；"
            f"下月仍严重滞后的，将约谈{leaders}，并将推进情况纳入年度综合考核。")  # fmt: skip


def scope_notes(scope: Scope) -> list[Note]:
    """The 滞后原因 written for this bulletin's lagging figures, in plan order."""
    return [Note(unit, item.name, text) for item in scope.items for unit, text in item.notes]


def _causes_demand(scope: Scope) -> str:
    causes, _ = group_causes(notes=scope_notes(scope))
    if not causes:
        return ""
    problems = "、".join(c.problem for c in causes[:3])
    return f"协调解决共性问题。针对{problems}等问题，请{scope.level.you if scope.unit else '各牵头单位'}主动对接相关部门，逐项协调解决，需{scope.level.short}级层面协调的及时报告。"


def _reporting_demand(scope: Scope) -> str:
    late = [r.unit for r in scope.reporting if r.late]
    when = _next_report_words(scope.next_report)
    text = f"严格按时报送。请{scope.level.you if scope.unit else '各单位'}{when}，对滞后目标须在备注中逐项说明具体原因和整改措施，原因说明笼统的将予退回"
    if late:
        text += f"；{scope.level.you if scope.unit else '、'.join(late)}逾期未报齐的数据须立即补报"
    return text + "。"


def _next_report_words(next_report: tuple[int, date] | None) -> str:
    if next_report is None:
        return "按时报送下期进度数据"
    month, deadline = next_report
    return f"于{date_text(deadline)}前报送{month}月份进度数据"
