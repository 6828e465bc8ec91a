"""Bulletin content for the demo year (fixed seed, figures as on 2026-11-26), checked against the overview.

Sentences use full-width punctuation; `plain` folds it so expectations can be written with ASCII marks.
Every name, unit and quoted cause the text gives is traced back to the data it came from.
"""

import re
import unicodedata
from datetime import date
from decimal import Decimal

import pytest

from duban.choices import OrgKind, Status
from duban.plan.model import OrgUnit, Plan
from duban.progress.forecast import format_quantity
from duban.progress.ranking import Ranking, places
from duban.reports.build import STATUS_WORDS, judgement_words, ranking_sentence, recipients_reporting
from duban.reports.options import ReportError
from duban.reports.service import bulletin_for
from duban.reports.text import percent_text, points_text, quoted, tenth
from duban.services.reported import ReportingLine

REPORT_DAY = date(2026, 11, 27)
OPEN_ITEM = "督办单DB-2026-007(办理中)"
ORDER = (Status.DONE, Status.AHEAD, Status.ON_TRACK, Status.BEHIND, Status.FAR_BEHIND, Status.NOT_REPORTED)
CITY_HEADINGS = ["总体情况", "进展较好的事项", "各方面推进情况", "10件惠民实事推进情况", "重大项目建设推进情况",
                 "滞后事项", "存在问题", "县(市、区)排名情况", "报送情况", "下步工作要求"]  # fmt: skip
NAMED = re.compile(r"“([^”]+)”（([^，）]+)）")  # “指标”（牵头单位）


def plain(text: str) -> str:
    """Full-width punctuation folded to ASCII."""
    return unicodedata.normalize("NFKC", text)


def section(bulletin, word):
    return next(s for s in bulletin.sections if word in s.heading)


def text_of(bulletin, word):
    return "".join(section(bulletin, word).paragraphs)


def table(bulletin, title):
    return next(t for t in bulletin.tables() if t.title == title)


def display_name(line):
    """The name as the text spells it between its quotation marks (full-width brackets, ‘’ inside)."""
    return quoted(line.indicator.name + ("（力争）" if line.indicator.aspiration else ""))[1:-1]


def test_header_in_official_form(city_october):
    assert city_october.title == "关于2026年1—10月全市重点工作推进情况的通报"
    assert city_october.office == "昭通市人民政府督查室"
    assert city_october.doc_number == "昭政督通〔2026〕X号"
    assert city_october.issued == date(2026, 11, 27)
    assert plain(city_october.addressee) == "各县(市、区)人民政府,市直各有关部门:"
    assert [plain(s.heading.split("、", 1)[1]) for s in city_october.sections] == [
        plain(h) for h in CITY_HEADINGS
    ]
    assert [s.heading.split("、")[0] for s in city_october.sections] == list("一二三四五六七八九十")
    assert (
        "查阅填报数据和佐证材料" in city_october.opening and "数据截至2026年10月31日" in city_october.opening
    )


def test_summary_counts_shares_judgement_and_change(city_october, october, september):
    now, before = october.status_counts(), september.status_counts()
    first, change, definition = section(city_october, "总体").paragraphs[:3]
    assert "年度目标任务45项（另有力争目标10项" in first
    assert "总体平稳有序，但部分任务滞后" in first  # 86.7% on track or better, with 2 far behind
    for status in ORDER:
        if now[status]:
            assert (
                f"{STATUS_WORDS[status]}{now[status]}项、占{percent_text(Decimal(100) * now[status] / 45)}"
                in first
            )
        else:
            assert STATUS_WORDS[status] not in first, "no zero clauses"
    assert not re.search(r"(?<![0-9])0项", first)
    for status in (s for s in ORDER if now[s] != before[s]):
        delta = now[status] - before[status]
        assert f"{STATUS_WORDS[status]}{'增加' if delta > 0 else '减少'}{abs(delta)}项" in change
    assert "正常及以上占比由91.1%降至86.7%" in change
    assert "低于序时进度10个百分点及以上为滞后，超过30个百分点" in definition
    rows = {row[0]: row for row in table(city_october, "总体情况").rows}
    assert rows["已完成"] == (
        "已完成",
        now[Status.DONE],
        before[Status.DONE],
        now[Status.DONE] - before[Status.DONE],
    )
    assert rows["合计"][1:3] == (45, 45)


@pytest.mark.parametrize(
    ("share", "far", "words"),
    [
        (Decimal(90), 0, "总体推进较好"),
        (Decimal(85), 0, "总体推进较好"),
        (Decimal(90), 1, "总体平稳有序，但部分任务滞后"),
        (Decimal(100), 0, "总体推进较好"),
        (Decimal(70), 0, "总体平稳有序，但部分任务滞后"),
        (Decimal("69.9"), 0, "总体推进滞后"),
        (Decimal(20), 3, "总体推进滞后"),
    ],
)
def test_judgement_words(share, far, words):
    assert judgement_words(good_share=share, far_behind=far) == words


def test_good_progress_names_items_and_units(city_october, october):
    text = text_of(city_october, "进展较好")
    for line in october.indicators:
        if line.indicator.aspiration or line.judgement.status not in (Status.DONE, Status.AHEAD):
            continue
        assert f"“{line.indicator.name}" in text and line.indicator.lead_unit in text
    named = {name.split("（")[0] for name, _ in NAMED.findall(text)}
    good = {
        line.indicator.name
        for line in october.indicators
        if line.judgement.status in (Status.DONE, Status.AHEAD)
    }
    assert named <= good


def test_area_sentences_never_call_a_behind_item_fast(city_october, october):
    by_name = {line.indicator.name: line for line in october.indicators}
    text = text_of(city_october, "各方面")
    fast = re.findall(r"进展较快的是“([^”]+)”", text)
    assert fast
    for name in fast:
        assert by_name[name].judgement.gap_pp <= 0
    for name in re.findall(r"进展较慢的是“([^”]+)”", text):
        assert by_name[name].judgement.gap_pp > 0
    assert "10件惠民实事" not in text, "the 惠民实事 have their own section"


def test_livelihood_table(city_october, october):
    rows = table(city_october, "惠民实事推进情况").rows
    assert len(rows) == len(october.livelihood()) == 19
    roads = next(line for line in october.indicators if line.indicator.id == "L02-1")
    row = next(r for r in rows if r[2] == "30户以上自然村通硬化路里程")
    assert row[:4] == (2, "建好农村公路", "30户以上自然村通硬化路里程", "1240公里")
    assert row[4] == format_quantity(value=roads.figure.value, unit="公里")
    assert row[5:] == (tenth(roads.judgement.completion_pct), tenth(roads.judgement.expected_pct),
                       roads.judgement.label, roads.indicator.target, roads.figure.value, "公里")  # fmt: skip
    assert {r[2] for r in rows} >= {"农村生活污水治理率（全市）", "农村生活污水治理率（赤水河流域）"}
    pharmacies = rows[-1]
    each = october.indicators[-1].each
    assert pharmacies[0] == 10 and pharmacies[4] == f"11个县中已有{each.met}个完成"
    assert "10件惠民实事共设19项量化目标" in text_of(city_october, "惠民实事")


def test_every_lagging_item_named_with_its_unit_and_gap(city_october, october, open_item_id):
    text = text_of(city_october, "滞后事项")
    behind = [line for line in october.lagging() if not line.indicator.aspiration]
    named = NAMED.findall(text)
    data = {(display_name(line), line.indicator.lead_unit) for line in october.lagging()}
    assert set(named) <= data, "every named item exists in the data with that unit"
    assert {display_name(line) for line in behind} <= {name for name, _ in named}
    for line in behind:
        assert points_text(line.judgement.gap_pp) in text
    assert f"共有{len(behind)}项目标滞后于序时进度" in text
    severe = text.split("严重滞后的是：")[1].split("滞后的是：")[0]
    for line in (x for x in behind if x.judgement.status is Status.FAR_BEHIND):
        clause = severe.split(quoted(line.indicator.name))[1].split("；")[0]
        assert "挂牌督办" in clause or "已下达" in clause
    opened = next(line for line in october.lagging() if line.indicator.id == open_item_id)
    assert (
        f"“{display_name(opened)}”（{opened.indicator.lead_unit}）" in text and f"已下达{OPEN_ITEM}" in text
    )
    assert "进展较快" not in text
    aspirations = section(city_october, "滞后事项").paragraphs[-1]
    assert aspirations.startswith("力争目标中，") and "（力争）" in aspirations


def test_lagging_table_furthest_behind_first(city_october, october, open_item_id):
    rows = table(city_october, "滞后事项清单").rows
    behind = october.lagging()
    assert [plain(r[1]) for r in rows] == [plain(display_name(line)) for line in behind]
    assert [r[6] for r in rows] == [tenth(line.judgement.gap_pp) for line in behind]
    second = rows[1]
    assert second[2] == behind[1].indicator.lead_unit and second[8] == OPEN_ITEM


def test_every_cause_traces_to_a_note(city_october, october):
    notes = {
        (u.unit, display_name(line), u.note) for line in october.indicators for u in line.units if u.note
    }
    units_with_notes = {unit for unit, _, _ in notes}
    paragraphs = section(city_october, "存在问题").paragraphs
    causes = [p for p in paragraphs if p.startswith("（")]
    assert len(causes) >= 3
    for cause in causes:
        quote = re.search(r"如(\S+?)就“([^”]+)”说明：“([^”]+)”", cause)
        assert quote, cause
        assert tuple(quote.groups()) in notes
        named_units = cause.split("。", 1)[1].split("在滞后原因中")[0].split("等")[0].split("、")
        assert set(named_units) <= units_with_notes
    assert "笼统" in paragraphs[-1]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        (
            [90, 80, 70, 60, 50, 40],
            "本期第一名A（90分），第二名B（80分），第三名C（70分）；排名靠后的是第四名D（60分），第五名E（50分），第六名F（40分）。",
        ),
        (
            [90, 80, 80, 60, 50, 40, 30],
            "本期第一名A（90分），第二名B、C（并列，均为80分）；排名靠后的是第五名E（50分），第六名F（40分），第七名G（30分）。",
        ),
        ([100, 100, 100, 100], "本期第一名A、B、C、D（并列，均为100分）。"),
        (
            [90, 80, 70, 60, 50, 50, 50],
            "本期第一名A（90分），第二名B（80分），第三名C（70分）；排名靠后的是第五名E、F、G（并列，均为50分）。",
        ),
        (
            [95.5, 95.5, 80, 70, 60, 50, 40, 30, 20, 10, 10],
            "本期第一名A、B（并列，均为95.5分），第三名C（80分）；排名靠后的是第九名I（20分），第十名J、K（并列，均为10分）。",
        ),
    ],
)
def test_ranking_sentence_writes_ties_as_ties(scores, expected):
    decimals = [Decimal(str(s)) for s in scores]
    rankings = [Ranking(unit=chr(65 + n), rank=rank, score=score, done_share=Decimal(0), counts={})
                for n, (score, rank) in enumerate(zip(decimals, places(scores=decimals), strict=True))]  # fmt: skip
    assert ranking_sentence(rankings=rankings) == expected


def test_ranking_states_method_once_and_names_places(city_october, october):
    text = text_of(city_october, "排名")
    assert text.count("得分相同的并列") == 1
    assert f"第一名{october.rankings[0].unit}" in text
    assert f"{october.rankings[-1].unit}（{tenth(october.rankings[-1].score)}分）" in text
    rows = table(city_october, "县区排名").rows
    assert [r[1] for r in rows] == [r.unit for r in october.rankings]


def test_project_campaign_figures(city_october, october):
    rows = table(city_october, "项目建设推进情况").rows
    projects = [line for line in october.indicators if "项目" in line.task_title]
    assert [r[2] for r in rows] == [display_name(line) for line in projects]
    assert rows[1][3] == "82.67亿元"
    assert [plain(c.title) for c in city_october.charts()] == [
        "全市目标任务推进状态分布", "项目建设目标完成率与序时进度", "各县(市、区)目标推进情况(按排名)"]  # fmt: skip


def test_reporting_all_on_time_in_october_has_no_table(city_october):
    assert "均已按时报送全部进度数据" in text_of(city_october, "报送")
    assert "报送情况" not in [t.title for t in city_october.tables()]


def test_reporting_names_late_units_in_november(city_november, november):
    late = [r.unit for r in november.reporting if r.late]
    assert late, "the demo leaves some units late for the newest month"
    assert f"截至通报日,{'、'.join(late)}已超过报送时限仍未报齐" in plain(text_of(city_november, "报送"))
    rows = table(city_november, "报送情况").rows
    assert {r[0] for r in rows if r[8] == "逾期未报"} == set(late)
    assert all(r[7] == r[2] - r[3] - r[6] for r in rows)
    assert all(r[5] == r[3] - r[4] for r in rows)  # 待审核: submitted, not yet reviewed
    assert f"{'、'.join(late)}逾期未报齐的数据须立即补报" in text_of(city_november, "下步工作要求")
    assert city_november.warnings == ["11月尚未结束（通报日期2026年11月27日），本期数据不完整"]
    assert section(city_november, "总体").paragraphs[0].startswith("截至11月27日，全市")
    assert "数据截至2026年11月27日" in city_november.opening


def test_demands_are_numbered_and_built_from_the_situation(city_october, october):
    demands = section(city_october, "下步工作要求").paragraphs
    assert [d[:2] for d in demands] == [f"{n}是" for n in "一二三四五"[: len(demands)]]
    text = "".join(demands)
    far = [
        line
        for line in october.lagging()
        if line.judgement.status is Status.FAR_BEHIND and not line.indicator.aspiration
    ]
    assert f"对严重滞后的{len(far)}项目标实行挂牌督办" in text
    assert "距年底仅剩2个月" in text
    assert (
        "“打造口腔专科医院数”“每县（市、区）开办惠民大药房数”须于2026年12月31日前完成" in text
    )  # one date, said once
    assert "于2026年12月25日前报送12月份进度数据" in text


def test_county_bulletin_speaks_to_the_county(zhenxiong_october, october):
    assert zhenxiong_october.title == "关于镇雄县2026年1—10月重点工作推进情况的通报"
    assert plain(zhenxiong_october.addressee) == "镇雄县人民政府:"
    own = next(r for r in october.rankings if r.unit == "镇雄县")
    ranking = section(zhenxiong_october, "排名").paragraphs[1]
    assert f"你县在11个县（市、区）中排名第{own.rank}位" in ranking
    assert table(zhenxiong_october, "县区排名").highlight == frozenset({october.rankings.index(own)})
    held = [line for line, _ in october.county_lines("镇雄县") if not line.indicator.aspiration]
    assert f"你县承担的年度目标任务{len(held)}项" in section(zhenxiong_october, "总体").paragraphs[0]
    body = "".join(p for s in zhenxiong_october.sections for p in s.paragraphs if "排名" not in s.heading)
    departments = {u.name for u in october.plan.units if u.kind.value != "county"}
    assert not [d for d in departments if d in body], "city departments are not the county's lead units"
    assert "请你县" in text_of(zhenxiong_october, "下步工作要求")
    assert {r[2] for r in table(zhenxiong_october, "滞后事项清单").rows} == {"镇雄县"}


def test_lagging_again_said_once_after_the_list(zhenxiong_october, october, september):
    """Items behind last month too get 纳入督办 in one sentence, not a clause repeated after each of them."""
    listed = next(p for p in section(zhenxiong_october, "滞后事项").paragraphs if p.startswith("滞后的是："))
    assert listed.count("已连续两个月滞后") == 1 and listed.count("纳入督办") == 1
    lagging = (Status.BEHIND, Status.FAR_BEHIND)
    behind = {
        display_name(line)
        for line, u in october.county_lines("镇雄县")
        if u.judgement.status is Status.BEHIND and not line.indicator.aspiration
    }
    before = {
        display_name(line) for line, u in september.county_lines("镇雄县") if u.judgement.status in lagging
    }
    summary = listed.rsplit("。", 2)[-2]
    excepted = set(re.findall(r"“([^”]+)”", summary.split("外，")[0]))
    assert excepted == behind - before and excepted
    assert f"其余{len(behind & before)}项已连续两个月滞后，纳入督办" in summary


def test_unknown_county_and_missing_plan_are_refused(demo_sessions):
    with demo_sessions() as session:
        with pytest.raises(ReportError, match="不是昭通市的县"):
            bulletin_for(session=session, period="2026-10", unit="市发展改革委", today=REPORT_DAY)
        with pytest.raises(ReportError, match="没有2025年的计划"):
            bulletin_for(session=session, period="2025-10", today=REPORT_DAY)


def test_number_and_date_are_the_offices(demo_sessions):
    with demo_sessions() as session:
        bulletin = bulletin_for(session=session, period="2026-10", today=REPORT_DAY, number=12,
                                issued=date(2026, 11, 30))  # fmt: skip
    assert bulletin.doc_number == "昭政督通〔2026〕12号" and bulletin.issued == date(2026, 11, 30)
    assert bulletin.warnings == []


def test_january_has_no_month_before(demo_sessions):
    with demo_sessions() as session:
        january = bulletin_for(session=session, period="2026-01", today=REPORT_DAY)
    assert january.title == "关于2026年1月全市重点工作推进情况的通报"
    assert section(january, "总体").paragraphs[1] == "本期为年度首次通报。"
    assert table(january, "总体情况").rows[0][2] is None


def test_a_provinces_reporting_is_told_per_city_summing_its_townships():
    units = [("全省", "province", None), ("甲市", "city", "全省"), ("乙市", "city", "全省"), ("省发改委", "department", "全省"),
             ("甲县", "county", "甲市"), ("乙县", "county", "乙市"), ("一镇", "township", "甲县"), ("二镇", "township", "乙县"),
             ("三镇", "township", "甲县")]  # fmt: skip
    plan = Plan(region="全省", year=2026, title="计划", areas=[],
                units=[OrgUnit(name=n, kind=OrgKind(k), parent=p) for n, k, p in units])  # fmt: skip
    lines = [ReportingLine("省发改委", OrgKind.DEPARTMENT, 2, 2, 2, 0, 0, False),
             ReportingLine("一镇", OrgKind.TOWNSHIP, 3, 2, 1, 0, 1, True),
             ReportingLine("二镇", OrgKind.TOWNSHIP, 3, 3, 3, 0, 0, False),
             ReportingLine("三镇", OrgKind.TOWNSHIP, 3, 3, 2, 1, 0, False)]  # fmt: skip
    assert recipients_reporting(lines=lines, plan=plan) == [
        ReportingLine("甲市", OrgKind.CITY, 6, 5, 3, 1, 1, True),
        ReportingLine("乙市", OrgKind.CITY, 3, 3, 3, 0, 0, False),
        lines[0],
    ]
