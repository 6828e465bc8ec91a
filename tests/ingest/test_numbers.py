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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # units built on 千 are units, not "thousand" + a stray character
        ("新增装机800千瓦", [("800", "千瓦")]),
        ("新能源开工1200万千瓦", [("12000000", "千瓦")]),
        ("年发电量达到3100亿千瓦时", [("310000000000", "千瓦时")]),
        ("新建线路35千伏", [("35", "千伏")]),
        # an open vocabulary: a measure word after a number is a unit
        ("集装箱吞吐量50万标箱", [("500000", "标箱")]),
        ("开行班列300列", [("300", "列")]),
        ("建成安置房12栋", [("12", "栋")]),
        ("供应土地120宗", [("120", "宗")]),
        ("算力规模达到50EFLOPS", [("50", "EFLOPS")]),
        ("人均预期寿命达到79岁", [("79", "岁")]),
        ("平均受教育年限达到11.2年", [("11.2", "年")]),
        ("改造老旧电梯30部", [("30", "部")]),
        ("开办托管班40期以上", [("40", "期")]),
        ("安装路灯800盏", [("800", "盏")]),
        ("文艺指导不少于1200课时", [("1200", "课时")]),
        ("新增墓穴10000穴", [("10000", "穴")]),
        ("粮食产量1.4万亿斤左右", [("1400000000000", "斤")]),
        # per-capita units, ratios, ranges, people without a measure word
        ("补助标准提高到20万元/人", [("200000", "元/人")]),
        ("城乡居民收入比缩小到2.3∶1左右", [("2.3", ":1")]),
        ("新增3—5所", [("3", "所")]),
        ("吸纳3-5万人就业", [("30000", "人")]),
        ("惠及50万老人", [("500000", "人")]),
        ("实施60个20亿元以上项目", [("60", "个"), ("2000000000", "元")]),
        ("滞后了3个月", [("3", "个月")]),
    ],
)
def test_open_units(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(str(q.value), q.unit) for q in find_quantities(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026年",
        "用3年时间",
        "12345热线",
        "11县(市、区)",
        "千方百计",
        "第3次",
        "1月19日",
        "5G基站",
        "10点30分",
    ],
)
def test_not_quantities(text: str) -> None:
    assert find_quantities(text) == []
