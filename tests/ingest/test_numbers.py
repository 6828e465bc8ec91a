from decimal import Decimal

import pytest

from duban.ingest.numbers import parse_number
from duban.ingest.quantities import find_quantities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("82.67亿", Decimal("8267000000")),
        ("1.5万", Decimal("15000")),
        ("1.23456万", Decimal("12345.6")),
        ("1,240", Decimal("1240")),
        ("两千", Decimal("2000")),
        ("百万", Decimal("1000000")),
        ("千万", Decimal("10000000")),
        ("一百零五", Decimal("105")),
        ("十五", Decimal("15")),
        ("一亿五千万", Decimal("150000000")),
        ("3万亿", Decimal("3000000000000")),
        ("2千万", Decimal("20000000")),
    ],
)
def test_parse_number(text: str, expected: Decimal) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "万x"])
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("总投资82.67亿元", [("8267000000", "元")]),
        ("新增学位1.5万个", [("15000", "个")]),
        ("百万亩竹产业", [("1000000", "亩")]),
        ("培训两千人", [("2000", "人")]),
        ("千万吨级枢纽", [("10000000", "吨")]),
        ("86%、89%、92%以上", [("86", "%"), ("89", "%"), ("92", "%")]),
        ("提高6个百分点", [("6", "百分点")]),
        ("覆盖60万人次以上", [("600000", "人次")]),
        ("通硬化路1,240公里", [("1240", "公里")]),
        ("5GWh锂离子电池", [("5", "GWh")]),
        ("装机50MW", [("50", "兆瓦")]),
        ("增长5.5%", [("5.5", "%")]),
        ("畅通12389举报投诉渠道", []),
        ("2026年计划", []),
        ("1月19日", []),
        ("第三轮爱国卫生", []),
        ("两个关键、三篇文章、一批街区", []),
        ("进万家、促和谐", []),
        ("PM2.5浓度", []),
    ],
)
def test_find_quantities(text: str, expected: list[tuple[str, str]]) -> None:
    found = [(str(q.value), q.unit) for q in find_quantities(text)]
    assert found == expected
