"""Find quantities (number, magnitude, unit) in normalised text, with values in base units."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from duban.ingest.numbers import MAGNITUDES, magnitude, parse_number

# text unit -> (plan unit, factor); longest first so that 人次 wins over 人 and 个百分点 over 个
_UNITS: dict[str, tuple[str, int]] = {
    "个百分点": ("百分点", 1), "百分点": ("百分点", 1), "%": ("%", 1),
    "平方公里": ("平方公里", 1), "平方千米": ("平方公里", 1), "平方米": ("平方米", 1),
    "立方米": ("立方米", 1), "千瓦时": ("千瓦时", 1), "公里": ("公里", 1), "千米": ("千米", 1),
    "公顷": ("公顷", 1), "人次": ("人次", 1), "件次": ("件次", 1), "户次": ("户次", 1), "亩次": ("亩次", 1),
    "车次": ("车次", 1), "架次": ("架次", 1), "千瓦": ("千瓦", 1), "千伏": ("千伏", 1), "千克": ("千克", 1),
    "兆瓦": ("兆瓦", 1), "GWh": ("GWh", 1), "MWh": ("MWh", 1), "kWh": ("千瓦时", 1), "MW": ("兆瓦", 1),
    "GW": ("GW", 1), "kW": ("千瓦", 1), "km": ("公里", 1), "EFLOPS": ("EFLOPS", 1), "PFLOPS": ("PFLOPS", 1),
    "标准箱": ("标箱", 1), "标箱": ("标箱", 1), "TEU": ("标箱", 1), "课时": ("课时", 1), "学时": ("学时", 1),
    "小时": ("小时", 1), "个工作日": ("工作日", 1), "工作日": ("工作日", 1), "个月": ("个月", 1),
    "微克/立方米": ("微克/立方米", 1), "毫克/升": ("毫克/升", 1), "吨标准煤": ("吨标准煤", 1), "标准煤": ("吨标准煤", 1), "公斤": ("公斤", 1), "美元": ("美元", 1),
    "元": ("元", 1), "亩": ("亩", 1), "吨": ("吨", 1), "米": ("米", 1), "户": ("户", 1),
    "家": ("家", 1), "所": ("所", 1), "座": ("座", 1), "处": ("处", 1), "项": ("项", 1),
    "条": ("条", 1), "块": ("块", 1), "套": ("套", 1), "台": ("台", 1), "辆": ("辆", 1),
    "艘": ("艘", 1), "批": ("批", 1), "人": ("人", 1), "名": ("名", 1), "件": ("件", 1),
    "次": ("次", 1), "场": ("场", 1), "间": ("间", 1), "张": ("张", 1), "头": ("头", 1),
    "只": ("只", 1), "株": ("株", 1), "棵": ("棵", 1), "个": ("个", 1), "岁": ("岁", 1), "周岁": ("岁", 1),
    "兆瓦时": ("兆瓦时", 1), "千伏安": ("千伏安", 1), "毫米": ("毫米", 1),
}  # fmt: skip
# units that begin with a magnitude character: 800千瓦 is 800 kW, not 800 thousand 瓦
_MAGNITUDE_LED = ("千瓦时", "千瓦", "千米", "千克", "千伏", "百分点", "万千瓦")
# characters that follow a number without being its measure word (dates, comparisons, grammar)
NON_UNITS = frozenset(
    "年月日号时点分秒周届大中小多余以的和与及或至到比后前内外上下左右成强级类型代线路是在为了已将并又"
    "万亿千百十零〇一二两三四五六七八九第之每各其该本全共约近超达占热报急救专政国县市区省州镇乡服便平接"
)
_HOTLINE = re.compile(r"(?<![\d.])(?:12|96)\d\d[1-9]$")  # 12345热线, 12389举报: service numbers
_YEAR_LIKE = re.compile(r"(?:19|20)\d\d$")
_YEAR_NUMBER = re.compile(r"(?<![\d.])(?:19|20)\d\d$")
COUNT_UNITS = frozenset(
    [
        "个",
        "户",
        "家",
        "所",
        "座",
        "处",
        "项",
        "条",
        "块",
        "套",
        "台",
        "辆",
        "艘",
        "批",
        "人",
        "人次",
        "件",
        "件次",
        "次",
        "场",
        "名",
        "间",
        "张",
        "本",
        "头",
        "只",
        "株",
        "棵",
    ]
)
# measure words that count the noun after them (3个枢纽); 户, 人 and 元 may instead describe it (30户以上自然村)
CLASSIFIERS = frozenset(
    [
        "个",
        "家",
        "所",
        "座",
        "处",
        "项",
        "条",
        "块",
        "套",
        "台",
        "辆",
        "艘",
        "批",
        "件",
        "场",
        "间",
        "张",
        "本",
        "头",
        "只",
        "株",
        "棵",
    ]
)
MEASURE_WORDS = frozenset("部栋幢列宗期盏穴床口眼根支架班趟轮篇册种队对双组箱包袋瓶片层门辆艘座")
COUNT_UNITS = COUNT_UNITS | MEASURE_WORDS
CLASSIFIERS = CLASSIFIERS | MEASURE_WORDS
PERCENT_UNITS = frozenset({"%", "百分点"})
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_CN_DIGIT = "零〇一二两三四五六七八九"
_QUANTITY = re.compile(
    rf"(?<![\d.A-Za-z第])(?P<num>\d+(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<mag>[十百千万亿]*)"
    rf"|(?<![{_CN_DIGIT}十百千万亿第])(?P<cn>[一二两三四五六七八九十][{_CN_DIGIT}十百千万亿]*|[百千][万亿]+)"
)
_QUICK = re.compile(rf"[\d{_CN_DIGIT}十百千万亿](?:余|多)?(?:{_UNIT_RE})")
_AFTER = re.compile(rf"(?P<approx>余|多)?(?P<unit>{_UNIT_RE})(?![A-Za-z])")
_OPEN = re.compile(r"(?P<approx>余|多)?(?P<unit>[\u4e00-\u9fff])")
_PER = re.compile(r"/(人|户|公斤|千克|斤|亩|年|月|吨|平方米|千瓦时|度|只|头|次|件|张)")
_TIMES = re.compile(r"次(?![年日序数第])")
_RANGE = re.compile(r"\s*(?:—{1,2}|-{1,2}|–|~|～|至|到)\s*(\d+(?:\.\d+)?)([十百千万亿]*)")
_COUNTED_BEFORE = re.compile(r"(人次|人数|户数|户次|车次|架次)(?:达到|达|突破|超过|为|在|超)")
_RANGE_OR_RATIO = frozenset("—-–~～至到∶:")
_RATIO = re.compile(r"\s*[∶:]\s*1(?![\d.:∶])")
_CLOCK = re.compile(r"(?<!\d)\d{1,2}[::]\d{2}$")
_INDEX_BEFORE = re.compile(r"(?:指数|得分|评分|分值)(?:达到|达|为|提高到|提升到|保持在)$")
_PER_PERSON = re.compile(r"/(人|户|月|年|人·月|人·年)")
_MONEY_WORDS = re.compile(r"标准|补贴|补助|奖补|奖励|发放|经费")
_PERSONS = re.compile(
    r"[\u4e00-\u9fff\d—\-]{0,10}?(?:老年人|老人|妇女|儿童|学生|群众|居民|农民工|农民|职工|劳动力|人口|患者"
    r"|村民|青少年|青年|残疾人|孕产妇|新生儿|幼儿|毕业生|人才)"
)


@dataclass(frozen=True)
class Quantity:
    """A number with its unit at [start, end) of the normalised text, value in base units."""

    start: int
    end: int
    value: Decimal
    unit: str
    text: str
    approximate: bool = False
    chinese: bool = False
    high: Decimal | None = None  # the upper end of a range (3—5所)
    inferred: str = ""  # why the unit was inferred rather than read: an unknown measure word, a noun

    @property
    def is_percent(self) -> bool:
        return self.unit in PERCENT_UNITS

    @property
    def counts(self) -> bool:
        """Whether the unit counts things (个, 家, an unknown measure word)."""
        return self.unit in COUNT_UNITS or self.inferred == "measure"


def find_quantities(text: str) -> list[Quantity]:
    """Every number followed by a unit, in order; small Chinese numerals are left out."""
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        if found and match.start() < found[-1].end:
            continue  # the upper end of a range already read
        quantity = _quantity_at(text, match)
        if quantity is not None:
            found.append(quantity)
    return found


def count_quantities(text: str) -> int:
    """A quick upper bound of how many quantities the text has (numbers directly before a unit)."""
    return sum(1 for _ in _QUICK.finditer(text))


def _quantity_at(text: str, match: re.Match[str]) -> Quantity | None:
    chinese = match.group("cn") is not None
    digits = match.group("cn") or match.group("num")
    mag = "" if chinese else match.group("mag")
    number_end = match.start() + len(digits)
    split = _unit_after(text, number_end, mag, chinese)
    if split is None:
        return None if chinese else _unitless(text, match, number_end, mag)
    used, after, inferred = split
    try:
        number = parse_number(digits + used)
    except ValueError:
        return None
    if chinese and number < 100:  # 两个关键, 三篇文章, 一批: enumerations, not quantities
        return None
    unit, factor = _UNITS.get(after.group("unit"), (after.group("unit"), 1))
    end = after.end()
    times = _TIMES.match(text, end)
    if times and len(unit) == 1 and (unit in COUNT_UNITS or inferred):
        unit, end = f"{unit}次", times.end()  # 2800批次, 300场次, 50台次: times of a counted thing
    per = _PER.match(text, end)
    if per and unit in ("元", "公斤", "千克", "吨", "千瓦时", "人", "小时"):
        unit, end = f"{unit}/{per.group(1)}", per.end()
    return Quantity(
        start=match.start(),
        end=end,
        value=plain_decimal(number * factor),
        unit=unit,
        text=text[match.start() : end],
        approximate=after.group("approx") is not None,
        chinese=chinese,
        inferred=inferred,
    )


def _unitless(text: str, match: re.Match[str], number_end: int, mag: str) -> Quantity | None:
    """A number without a unit of its own: the low end of a range, a ratio, or people counted by a noun."""
    follows = text[match.end() : match.end() + 2].lstrip()[:1]
    if not mag and follows == "/":
        return _money_per(text, match)
    if not mag and follows not in _RANGE_OR_RATIO:
        return _index(text, match)  # 2026年, 1月: most numbers without a unit are dates; '指数达85' is not
    try:
        number = parse_number(match.group(0))
    except ValueError:
        return None
    ranged = _ranged(text, match.start(), number_end + len(mag), number)
    return (
        ranged
        or _ratio(text, match, number)
        or _persons(text, match, number, mag)
        or _named(text, match, number)
    )


def _unit_after(text: str, number_end: int, mag: str, chinese: bool) -> tuple[str, re.Match[str], str] | None:
    """(magnitude used, unit match, inferred) for the longest magnitude a known or open unit follows.

    A unit led by a magnitude character wins: 800千瓦 is 800 kW and 1200万千瓦 is 1200万 kW.
    """
    for size in range(len(mag) + 1):
        if text.startswith(_MAGNITUDE_LED, number_end + size):
            after = _AFTER.match(text, number_end + size)
            if after is not None:
                return mag[:size], after, ""
    at = number_end + len(mag)
    after = _AFTER.match(text, at)
    if after is not None:
        return mag, after, ""
    if chinese or (_PERSONS.match(text, at) and mag) or (not mag and _HOTLINE.search(text[:number_end])):
        return None
    opened = _OPEN.match(text, at)
    if opened is None or not _is_measure_word(text, opened, text[:number_end], mag):
        return None
    return mag, opened, "measure"


def _is_measure_word(text: str, opened: re.Match[str], before: str, mag: str) -> bool:
    """An unknown character after a number is its measure word unless it is a known non-unit."""
    char = opened.group("unit")
    if _CLOCK.search(before[-6:]):
        return False  # '14:30 阅读': the minutes of a time of day
    if char == "年":  # a level (受教育年限11年), not a year (2026年) nor a span (用3年时间)
        follows = text[opened.end() : opened.end() + 1]
        return not mag and not _YEAR_LIKE.search(before) and not re.match(r"[\u4e00-\u9fff]", follows)
    if not mag and _YEAR_NUMBER.search(before) and char not in MEASURE_WORDS:
        return False  # '《2014交通建设…》': a year before a word, not 2014 of an unknown measure
    return char not in NON_UNITS


def _ranged(text: str, start: int, low_end: int, low: Decimal) -> Quantity | None:
    """'3—5所' read as the lower end 3所 with the range kept; the upper end carries the unit."""
    if _AFTER.match(text, low_end):
        return None  # 4.5%—5%: two quantities, paired later
    dash = _RANGE.match(text, low_end)
    if dash is None:
        return None
    high_match = _QUANTITY.match(text, dash.start(1))
    high = _quantity_at(text, high_match) if high_match is not None and high_match.group("num") else None
    if high is None or high.high is not None or high.value <= 0:
        return None
    low_has_magnitude = text[low_end - 1] in MAGNITUDES
    value = low if low_has_magnitude else low * magnitude(dash.group(2))
    if value >= high.value:
        return None  # 2025-2026: not a range of one quantity
    return Quantity(
        start,
        high.end,
        plain_decimal(value),
        high.unit,
        text[start : high.end],
        high=high.value,
        inferred=high.inferred,
    )


def _ratio(text: str, match: re.Match[str], number: Decimal) -> Quantity | None:
    """'收入比缩小到2.3∶1': a ratio to one, when the words before name a 比."""
    ratio = _RATIO.match(text, match.end())
    if ratio is None or "比" not in text[max(0, match.start() - 12) : match.start()]:
        return None
    return Quantity(
        match.start(), ratio.end(), plain_decimal(number), ":1", text[match.start() : ratio.end()]
    )


def _money_per(text: str, match: re.Match[str]) -> Quantity | None:
    """'按1500/人的标准发放补贴': a subsidy standard whose 元 the text left out; the unit 元/人 is inferred."""
    per = _PER_PERSON.match(text, match.end())
    window = text[max(0, match.start() - 12) : per.end() + 12] if per else ""
    if per is None or not _MONEY_WORDS.search(window):
        return None
    number = parse_number(match.group("num"))
    unit = f"元/{per.group(1)}"
    return Quantity(
        match.start(),
        per.end(),
        plain_decimal(number),
        unit,
        text[match.start() : per.end()],
        inferred="noun",
    )


def _index(text: str, match: re.Match[str]) -> Quantity | None:
    """'发展指数达85': an index or score without a unit, counted in points (分)."""
    before = text[max(0, match.start() - 8) : match.start()]
    if not before.endswith(("达", "为", "到", "在")) or not _INDEX_BEFORE.search(before):
        return None
    number = parse_number(match.group("num"))
    return Quantity(match.start(), match.end(), plain_decimal(number), "分", match.group(0), inferred="noun")


def _persons(text: str, match: re.Match[str], number: Decimal, mag: str) -> Quantity | None:
    """'惠及50万老人': people counted without a measure word; the unit 人 is inferred."""
    if not mag or not _PERSONS.match(text, match.end()):
        return None
    return Quantity(match.start(), match.end(), plain_decimal(number), "人", match.group(0), inferred="noun")


def _named(text: str, match: re.Match[str], number: Decimal) -> Quantity | None:
    """'服务人次达200万以上': the indicator's name says what is counted; the unit is inferred from it."""
    named = _COUNTED_BEFORE.search(text, max(0, match.start() - 8), match.start())
    if named is None or named.end() != match.start() or not match.group("mag"):
        return None
    unit = named.group(1).removesuffix("数")
    return Quantity(match.start(), match.end(), plain_decimal(number), unit, match.group(0), inferred="noun")


def plain_decimal(value: Decimal) -> Decimal:
    """The value without trailing zeros or exponent: 8267000000.00 -> 8267000000."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
