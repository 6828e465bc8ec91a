"""Find quantities (number, magnitude, unit) in normalised text, with values in base units."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from duban.ingest.numbers import parse_number

# text unit -> (plan unit, factor); longest first so that 人次 wins over 人 and 个百分点 over 个
_UNITS: dict[str, tuple[str, int]] = {
    "个百分点": ("百分点", 1), "百分点": ("百分点", 1), "%": ("%", 1),
    "平方公里": ("平方公里", 1), "平方千米": ("平方公里", 1), "平方米": ("平方米", 1),
    "立方米": ("立方米", 1), "千瓦时": ("千瓦时", 1), "公里": ("公里", 1), "千米": ("千米", 1),
    "公顷": ("公顷", 1), "人次": ("人次", 1), "件次": ("件次", 1), "千瓦": ("千瓦", 1),
    "兆瓦": ("兆瓦", 1), "GWh": ("GWh", 1), "MW": ("兆瓦", 1), "kW": ("千瓦", 1), "km": ("公里", 1),
    "元": ("元", 1), "亩": ("亩", 1), "吨": ("吨", 1), "米": ("米", 1), "户": ("户", 1),
    "家": ("家", 1), "所": ("所", 1), "座": ("座", 1), "处": ("处", 1), "项": ("项", 1),
    "条": ("条", 1), "块": ("块", 1), "套": ("套", 1), "台": ("台", 1), "辆": ("辆", 1),
    "艘": ("艘", 1), "批": ("批", 1), "人": ("人", 1), "名": ("名", 1), "件": ("件", 1),
    "次": ("次", 1), "场": ("场", 1), "间": ("间", 1), "张": ("张", 1), "头": ("头", 1),
    "只": ("只", 1), "株": ("株", 1), "棵": ("棵", 1), "个": ("个", 1),
}  # fmt: skip
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
PERCENT_UNITS = frozenset({"%", "百分点"})
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_CN_DIGIT = "零〇一二两三四五六七八九"
_QUANTITY = re.compile(
    rf"(?<![\d.A-Za-z])(?P<num>\d+(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)(?P<mag>[十百千万亿]*)"
    rf"|(?<![{_CN_DIGIT}十百千万亿第])(?P<cn>[一二两三四五六七八九十][{_CN_DIGIT}十百千万亿]*|[百千][万亿]+)"
)
_QUICK = re.compile(rf"[\d{_CN_DIGIT}十百千万亿](?:余|多)?(?:{_UNIT_RE})")
_AFTER = re.compile(rf"(?P<approx>余|多)?(?P<unit>{_UNIT_RE})")


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

    @property
    def is_percent(self) -> bool:
        return self.unit in PERCENT_UNITS


def find_quantities(text: str) -> list[Quantity]:
    """Every number followed by a known unit, in order; small Chinese numerals are left out."""
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        quantity = _quantity_at(text, match)
        if quantity is not None:
            found.append(quantity)
    return found


def count_quantities(text: str) -> int:
    """A quick upper bound of how many quantities the text has (numbers directly before a unit)."""
    return sum(1 for _ in _QUICK.finditer(text))


def _quantity_at(text: str, match: re.Match[str]) -> Quantity | None:
    after = _AFTER.match(text, match.end())
    if after is None:
        return None
    chinese = match.group("cn") is not None
    try:
        number = parse_number(match.group(0))
    except ValueError:
        return None
    if chinese and number < 100:  # 两个关键, 三篇文章, 一批: enumerations, not quantities
        return None
    unit, factor = _UNITS[after.group("unit")]
    value = plain_decimal(number * factor)
    return Quantity(
        start=match.start(),
        end=after.end(),
        value=value,
        unit=unit,
        text=text[match.start() : after.end()],
        approximate=after.group("approx") is not None,
        chinese=chinese,
    )


def plain_decimal(value: Decimal) -> Decimal:
    """The value without trailing zeros or exponent: 8267000000.00 -> 8267000000."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
