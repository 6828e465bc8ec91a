"""How figures are written: tables of (input, expected)."""

from datetime import date
from decimal import Decimal

import pytest

from duban.reports.service import ReportError, parse_formats, parse_period
from duban.reports.text import date_text, ordinal, percent_text, period_text, points_text, short_title
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
    ("value", "expected"), [(Decimal("73.25"), "73.3%"), (Decimal(100), "100.0%"), (None, "—")]
)
def test_percent_text(value, expected):
    assert percent_text(value) == expected


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
