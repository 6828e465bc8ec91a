"""Bulletin content for the demo year (fixed seed, figures as on 2026-11-26), checked against the overview.

Sentences use full-width punctuation; `plain` folds it so expectations can be written with ASCII marks.
"""

import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from duban.choices import Status
from duban.progress.forecast import format_quantity
from duban.reports.build import STATUS_WORDS
from duban.reports.service import ReportError, bulletin_for
from duban.reports.text import points_text, tenth

REPORT_DAY = date(2026, 11, 27)
OPEN_ITEM = "督办单DB-2026-007(办理中)"
ORDER = (Status.DONE, Status.AHEAD, Status.ON_TRACK, Status.BEHIND, Status.FAR_BEHIND, Status.NOT_REPORTED)


def plain(text: str) -> str:
    """Full-width punctuation folded to ASCII."""
    return unicodedata.normalize("NFKC", text)


def section(bulletin, word):
    return next(s for s in bulletin.sections if word in s.heading)


def table(bulletin, title):
    return next(t for t in bulletin.tables() if t.title == title)


def test_header_in_official_form(city_october):
    assert city_october.title == "关于2026年1—10月全市重点工作推进情况的通报"
    assert city_october.office == "昭通市人民政府督查室"
    assert city_october.doc_number == "昭政督通〔2026〕X号"
    assert city_october.issued == date(2026, 11, 27)
    assert plain(city_october.addressee) == "各县(市、区)人民政府,市直各有关部门:"
    assert [s.heading[:2] for s in city_october.sections] == [
        "一、",
        "二、",
        "三、",
        "四、",
        "五、",
        "六、",
        "七、",
    ]


def test_summary_counts_and_change_since_september(city_october, october, september):
    now, before = october.status_counts(), september.status_counts()
    summary = [plain(p) for p in section(city_october, "总体").paragraphs]
    assert "年度目标任务45项(另有力争目标10项" in summary[0]
    assert ",".join(f"{STATUS_WORDS[s]}{now[s]}项" for s in ORDER) in summary[0]
    rows = {row[0]: row for row in table(city_october, "总体情况").rows}
    assert rows["已完成"] == (
        "已完成",
        now[Status.DONE],
        before[Status.DONE],
        now[Status.DONE] - before[Status.DONE],
    )
    assert rows["合计"][1:3] == (45, 45)
    moved = [s for s in ORDER if now[s] != before[s]]
    assert moved, "the demo moves some targets between September and October"
    for status in moved:
        change = now[status] - before[status]
        assert f"{STATUS_WORDS[status]}{'增加' if change > 0 else '减少'}{abs(change)}项" in summary[1]


def test_area_narrative_names_best_and_worst(city_october, october):
    area = october.plan.areas[0]
    lines = [
        line for line in october.indicators if line.area.name == area.name and not line.indicator.aspiration
    ]
    judged = sorted(
        (line for line in lines if line.judgement.gap_pp is not None), key=lambda x: x.judgement.gap_pp
    )
    text = plain(section(city_october, "各方面").paragraphs[0])
    assert text.startswith(f"(一){area.name}。共{len(lines)}项目标,")
    for word, line in (("较快", judged[0]), ("较慢", judged[-1])):
        pct = tenth(line.judgement.completion_pct)
        assert f"进展{word}的是“{line.indicator.name}”," in text
        assert f"完成率{pct}%,{points_text(line.judgement.gap_pp)}" in text


def test_livelihood_table(city_october, october):
    rows = table(city_october, "惠民实事").rows
    assert len(rows) == len(october.livelihood()) == 19
    roads = next(line for line in october.indicators if line.indicator.id == "L02-1")
    row = next(r for r in rows if r[2] == "30户以上自然村通硬化路里程")
    assert row[:4] == ("2", "建好农村公路", "30户以上自然村通硬化路里程", "1240公里")
    assert row[4] == format_quantity(value=roads.figure.value, unit="公里")
    assert row[5:] == (
        tenth(roads.judgement.completion_pct),
        tenth(roads.judgement.expected_pct),
        roads.judgement.label,
    )
    pharmacies = rows[-1]
    each = october.indicators[-1].each
    assert pharmacies[0] == "10" and pharmacies[4] == f"11个县中已有{each.met}个完成"
    assert "10件惠民实事共设19项量化目标" in section(city_october, "惠民实事").paragraphs[0]


def test_lagging_list_furthest_behind_first_with_open_items(city_october, october, open_item_id):
    rows = table(city_october, "滞后事项").rows
    behind = october.lagging()
    assert [plain(r[1]) for r in rows] == [line.indicator.name + ("(力争)" if line.indicator.aspiration else "")
                                           for line in behind]  # fmt: skip
    assert [r[6] for r in rows] == [tenth(line.judgement.gap_pp) for line in behind]
    assert [r[6] for r in rows] == sorted((r[6] for r in rows), reverse=True)
    second = rows[1]
    assert second[2] == behind[1].indicator.lead_unit and second[8] == OPEN_ITEM
    assert [r[8] for r in rows].count("未督办") == len(rows) - 1
    assert f"共有{len(rows)}项目标滞后于序时进度" in plain(section(city_october, "滞后").paragraphs[0])


def test_ranking_names_top_and_bottom_three(city_october, october):
    text = plain(section(city_october, "排名").paragraphs[0])
    top = "、".join(f"{r.unit}({tenth(r.score)}分)" for r in october.rankings[:3])
    bottom = "、".join(f"{r.unit}({tenth(r.score)}分)" for r in reversed(october.rankings[-3:]))
    assert f"排名前三位的是{top};排名后三位的是{bottom}。" in text
    rows = table(city_october, "县区排名").rows
    assert [r[1] for r in rows] == [r.unit for r in october.rankings]
    assert len(rows) == 11


def test_project_campaign_figures(city_october, october):
    rows = table(city_october, "项目建设").rows
    projects = [line for line in october.indicators if "项目" in line.task_title]
    assert [r[2] for r in rows] == [line.indicator.name + ("\uff08力争\uff09" if line.indicator.aspiration else "")
                                    for line in projects]  # fmt: skip
    assert rows[1][3] == "82.67亿元"
    assert [plain(c.title) for c in city_october.charts()] == [
        "全市目标任务推进状态分布", "项目建设目标完成率与序时进度", "各县(市、区)目标推进情况(按排名)"]  # fmt: skip


def test_reporting_all_on_time_in_october(city_october):
    assert "均已按时报送全部进度数据" in section(city_october, "报送").paragraphs[0]
    assert table(city_october, "报送情况").rows == []


def test_reporting_names_late_units_in_november(city_november, november):
    late = [r.unit for r in november.reporting if r.late]
    assert late, "the demo leaves some units late for the newest month"
    assert f"截至通报日,{'、'.join(late)}已超过报送时限仍未报齐" in plain(
        section(city_november, "报送").paragraphs[0]
    )
    rows = table(city_november, "报送情况").rows
    assert {r[0] for r in rows if r[7] == "逾期未报"} == set(late)
    # 未报 is what nothing was submitted for: a returned figure is counted under 退回, not twice
    assert all(r[6] == r[2] - r[3] - r[5] for r in rows)


def test_county_bulletin_speaks_of_one_county(zhenxiong_october, october):
    assert zhenxiong_october.title == "关于镇雄县2026年1—10月重点工作推进情况的通报"
    assert plain(zhenxiong_october.addressee) == "镇雄县人民政府:"
    own = next(r for r in october.rankings if r.unit == "镇雄县")
    ranking = plain(section(zhenxiong_october, "排名").paragraphs[1])
    assert (
        f"镇雄县在11个县(市、区)中排名第{own.rank}位,得分{tenth(own.score)}分,承担目标{own.total}项"
        in ranking
    )
    assert table(zhenxiong_october, "县区排名").highlight == frozenset({october.rankings.index(own)})
    assert {r[0] for r in table(zhenxiong_october, "报送情况").rows} <= {"镇雄县"}
    held = [line for line, _ in october.county_lines("镇雄县") if not line.indicator.aspiration]
    assert f"镇雄县纳入督查的年度目标任务{len(held)}项" in section(zhenxiong_october, "总体").paragraphs[0]


def test_unknown_county_and_missing_plan_are_refused(demo_sessions):
    with demo_sessions() as session:
        with pytest.raises(ReportError, match="不是昭通市的县"):
            bulletin_for(session=session, period="2026-10", unit="市发展改革委", today=REPORT_DAY)
        with pytest.raises(ReportError, match="没有2025年的计划"):
            bulletin_for(session=session, period="2025-10", today=REPORT_DAY)


def test_january_has_no_month_before(demo_sessions):
    with demo_sessions() as session:
        january = bulletin_for(session=session, period="2026-01", today=REPORT_DAY)
    assert january.title == "关于2026年1月全市重点工作推进情况的通报"
    assert section(january, "总体").paragraphs[1] == "本期为年度首次通报。"
    assert table(january, "总体情况").rows[0][2] is None
    assert Decimal(0) not in [r[1] for r in table(january, "总体情况").rows if r[0] == "合计"]
