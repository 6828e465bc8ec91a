"""Numbers written in Arabic digits, Chinese numerals or a mixture (1.5万, 两千, 百万), as Decimal."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10**4, "亿": 10**8}
MAGNITUDES = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
CHINESE_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_SMALL) + "".join(_BIG)


def parse_number(text: str) -> Decimal:
    """Read '82.67亿', '1,240', '1.5万', '两千', '百万' or '一亿五千万'; raise ValueError otherwise."""
    text = text.strip().replace(",", "")
    head = len(text) - len(text.lstrip("0123456789."))
    if head == 0:
        return parse_chinese_numeral(text)
    try:
        value = Decimal(text[:head])
    except InvalidOperation as exc:
        raise ValueError(f"不是数字：{text}") from exc
    return value * magnitude(text[head:])


def magnitude(suffix: str) -> Decimal:
    """The product of magnitude characters such as '万' or '千万' (1 for '')."""
    factor = Decimal(1)
    for char in suffix:
        if char not in MAGNITUDES:
            raise ValueError(f"不是数量级：{suffix}")
        factor *= MAGNITUDES[char]
    return factor


def parse_chinese_numeral(text: str) -> Decimal:
    """Read a pure Chinese numeral: 十五, 一百零五, 两千, 千万, 一亿五千万."""
    if not text or any(c not in CHINESE_NUMERAL_CHARS for c in text):
        raise ValueError(f"不是中文数字：{text}")
    total, below_yi, section, digit = 0, 0, 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _SMALL:
            section += (digit or 1) * _SMALL[char]
            digit = 0
        elif char == "万":
            below_yi += ((section + digit) or 1) * _BIG[char]
            section = digit = 0
        else:
            total += ((below_yi + section + digit) or 1) * _BIG[char]
            below_yi = section = digit = 0
    return Decimal(total + below_yi + section + digit)
