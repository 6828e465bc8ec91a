"""How figures are written: tables of (input, expected)."""

from datetime import date
from decimal import Decimal

import pytest

from duban.reports.causes import Note, cause_sentence, group_causes, theme_of
from duban.reports.options import ReportError, parse_formats, parse_period
from duban.reports.text import (
    date_text,
    ordinal,
    percent_text,
    period_text,
    points_text,
    quantity_text,
    quoted,
    score_text,
    series,
    short_title,
)  # fmt: skip
from duban.reports.xlsx import safe_text


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (Decimal("8.34"), "低于序时进度8.3个百分点"),
        (Decimal("-16.66"), "超序时进度16.7个百分点"),
        (Decimal("0.04"), "与序时进度持平"),
        (None, "无法比较序时进度"),
    ],
)
def test_points_text(gap, expected):
    assert points_text(gap) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("73.25"), "73.3%"),
        (Decimal(100), "100%"),
        (Decimal("99.96"), "100%"),
        (Decimal("0.04"), "0%"),
        (None, "—"),
    ],
)
def test_percent_text(value, expected):
    assert percent_text(value) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (Decimal(1240), "公里", "1240公里"),
        (Decimal(15000), "个", "1.5万个"),
        (Decimal(600000), "人次", "60万人次"),
        (Decimal(9999), "户", "9999户"),
        (Decimal(250000000), "人", "2.5亿人"),
        (Decimal(8267000000), "元", "82.67亿元"),
        (Decimal(125000), "元", "12.5万元"),
        (Decimal("86.5"), "%", "86.5%"),
        (None, "个", "未报送"),
    ],
)
def test_quantity_text_in_wan_and_yi(value, unit, expected):
    assert quantity_text(value, unit) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("新开工项目数", "“新开工项目数”"),
        ("推行“以工代赈”模式", "“推行‘以工代赈’模式”"),
        ('打通"断头路"条数', "“打通断头路条数”"),
        (
            "每县(市、区)开办惠民大药房数",
            "“每县（市、区）开办惠民大药房数”",
        ),  # brackets full width in the prose
    ],
)
def test_quoted_uses_single_marks_inside(text, expected):
    assert quoted(text) == expected


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (["“甲”", "“乙”", "“丙”"], "“甲”“乙”“丙”"),  # GB/T 15834: no 顿号 between quoted parts
        (["“甲”（市教育体育局）", "“乙”"], "“甲”（市教育体育局）、“乙”"),  # … but after a bracket note
        (["昭阳区", "鲁甸县"], "昭阳区、鲁甸县"),
        (["“甲”"], "“甲”"),
        ([], ""),
    ],
)
def test_series_leaves_the_enumeration_comma_out_between_quotes(parts, expected):
    assert series(parts) == expected


@pytest.mark.parametrize(
    ("score", "expected"), [(Decimal(100), "100"), (Decimal("95.45"), "95.5"), (Decimal("52.04"), "52")]
)
def test_score_text(score, expected):
    assert score_text(score) == expected


@pytest.mark.parametrize(
    ("note", "theme"),
    [
        ("3个项目用地预审和环评手续尚未批复，未能按期开工", "前期手续"),
        ("上级专项资金尚未下达，县级配套资金到位慢", "资金"),
        ("用地、用林指标紧张，要素保障不到位", "要素保障"),
        ("征地拆迁涉及群众5户，协调难度大", "征地拆迁"),
        ("受主汛期持续降雨影响，部分工程停工6天", "季节"),
        ("受低温凝冻天气影响，户外作业受限", "季节"),
        ("市场需求不旺，企业投资意愿不强", "市场需求"),
        ("该指标按季度统计，本月数据尚未更新", "统计口径"),
        ("专业技术人员不足，工作力量薄弱", "工作力量"),
        ("正在加快推进", None),
        ("工作推进较慢", None),
    ],
)
def test_theme_of_a_note(note, theme):
    assert theme_of(note) == theme


def test_causes_grouped_most_units_first_with_the_specific_note_quoted():
    notes = [Note("镇雄县", "新开工项目数", "配套资金到位慢"), Note("彝良县", "新开工项目数", "资金未到"),
             Note("彝良县", "改造老旧小区数", "3个项目环评手续尚未批复"), Note("市司法局", "办理法律援助案件数", "正在加快推进"),
             Note("威信县", "新开工项目数", "上级专项资金尚未下达，县级配套资金到位慢")]  # fmt: skip
    causes, vague = group_causes(notes=notes)
    assert [c.theme for c in causes] == ["资金", "前期手续"]
    assert causes[0].units == ("镇雄县", "彝良县", "威信县")
    assert causes[0].quote.unit == "威信县"
    sentence = cause_sentence(causes[0], number=1, voice=None)
    assert sentence == ("（一）资金到位不及时。镇雄县、彝良县、威信县在滞后原因中反映此类问题，"
                        "如威信县就“新开工项目数”说明：“上级专项资金尚未下达，县级配套资金到位慢”。")  # fmt: skip
    assert [n.unit for n in vague] == ["市司法局"]


@pytest.mark.parametrize(("month", "expected"), [(1, "1月"), (2, "1—2月"), (10, "1—10月"), (12, "1—12月")])
def test_period_text(month, expected):
    assert period_text(month) == expected


@pytest.mark.parametrize(("index", "expected"), [(1, "一"), (7, "七"), (10, "十"), (11, "11")])
def test_ordinal(index, expected):
    assert ordinal(index) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("推行“以工代赈”模式\uff0c推动群众持续增收", "推行“以工代赈”模式"),
        ("建好农村公路,改善群众出行条件", "建好农村公路"),
        ("抓项目扩投资", "抓项目扩投资"),
    ],
)
def test_short_title(title, expected):
    assert short_title(title) == expected


def test_date_text():
    assert date_text(date(2026, 11, 7)) == "2026年11月7日"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("镇雄县", "镇雄县"),
        ("1—10月", "1—10月"),
    ],
)
def test_safe_text_defuses_formulas(text, expected):
    assert safe_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [("2026-06", (2026, 6)), ("2026-6", (2026, 6)), (" 2026-12 ", (2026, 12))]
)
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "202606", "June", ""])
def test_parse_period_refuses(text):
    with pytest.raises(ReportError, match="格式不对"):
        parse_period(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("docx,pdf,xlsx", ["docx", "pdf", "xlsx"]), ("PDF", ["pdf"]), (".xlsx, docx,xlsx", ["xlsx", "docx"])],
)
def test_parse_formats(text, expected):
    assert parse_formats(text) == expected


@pytest.mark.parametrize("text", ["doc", "pdf,html", ","])
def test_parse_formats_refuses(text):
    with pytest.raises(ReportError, match="不支持的格式"):
        parse_formats(text)
