"""Months as people write them: one module reads every form (a period key, a typed month), each a table."""

import pytest

from duban.months import month_in_year, month_of_key, named_month


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("2026-07", (2026, 7)),
        ("2026年7月", (2026, 7)),
        (" 2026 / 12 ", (2026, 12)),
        ("2026.3", (2026, 3)),
        ("7", (None, 7)),
        ("7月", (None, 7)),
        ("13", None),
        ("0", None),
        ("2026-", None),
        ("七月", None),
        ("", None),
    ],
)
def test_a_typed_month_names_its_year_when_written(text, named):
    assert named_month(text) == named


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-06", (2026, 6)),
        ("2026-6", (2026, 6)),
        (" 2027-12 ", (2027, 12)),
        ("2026-13", None),
        ("2026-00", None),
        ("2026年6月", None),  # a key is what URLs and the command line carry, not prose
        ("6", None),
        ("2026-06-01", None),
        ("2026-0³", None),
    ],
)
def test_a_period_key_is_year_dash_month(text, key):
    assert month_of_key(text) == key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-07", "月份“2025-07”不在计划年度 2026 年内"),
        ("十三", "无法识别的月份“十三”，请写成 2026-06 或 6"),
    ],
)
def test_a_month_outside_the_plan_year_is_refused_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        month_in_year(text, 2026)
