"""Display units: which units a stored unit may be shown in, the default, and exact conversions."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from duban.plan.model import Indicator
from duban.plan.units import (
    default_display_unit,
    display_text,
    display_units,
    from_display,
    to_display,
    written_display_unit,
)


@pytest.mark.parametrize(
    ("unit", "target", "shown"),
    [
        ("元", Decimal("4000000000"), "亿元"),
        ("元", Decimal("100000000"), "亿元"),
        ("元", Decimal("99999999"), "万元"),
        ("元", Decimal("36533493"), "万元"),
        ("元", Decimal("9200"), "元"),
        ("人", Decimal("15000"), "万人"),
        ("公里", Decimal("1240"), "公里"),
        ("千瓦", Decimal("2000000"), "万千瓦"),
        ("%", Decimal("86.2"), "%"),
        ("百分点", Decimal("12000"), "百分点"),
        (":1", Decimal("2.36"), ":1"),
    ],
)
def test_the_default_display_unit_fits_the_target(unit, target, shown):
    assert default_display_unit(unit=unit, target=target) == shown


@pytest.mark.parametrize(
    ("stored", "unit", "display_unit", "entered"),
    [
        (Decimal("36533493"), "元", "万元", Decimal("3653.3493")),
        (Decimal("8267000000"), "元", "亿元", Decimal("82.67")),
        (Decimal("36533493.5"), "元", "亿元", Decimal("0.365334935")),
        (Decimal("15000"), "人", "万人", Decimal("1.5")),
        (Decimal("1240"), "公里", "公里", Decimal("1240")),
        (Decimal("86.2"), "%", "%", Decimal("86.2")),
    ],
)
def test_conversions_are_exact_both_ways(stored, unit, display_unit, entered):
    assert to_display(stored, unit=unit, display_unit=display_unit) == entered
    assert from_display(entered, unit=unit, display_unit=display_unit) == stored


@pytest.mark.parametrize(
    ("value", "unit", "display_unit", "text"),
    [
        (Decimal("8267000000"), "元", "亿元", "82.67亿元"),
        (Decimal("36533493"), "元", "亿元", "0.365亿元"),
        (Decimal("437"), "公里", "万公里", "0.0437万公里"),
        (Decimal("5"), "人", "万人", "0.0005万人"),
        (Decimal("1000.000000"), "元", "元", "1000元"),
        (Decimal("0.1"), "%", "%", "0.1%"),
        (Decimal("0.30000000000000004"), "%", "%", "0.3%"),
        (Decimal("99.995"), "%", "%", "100%"),
        (Decimal("-0.0437"), "%", "%", "-0.0437%"),
        (Decimal("36533493"), "元", "万元", "3653.35万元"),
        (Decimal("4000000000.000000"), "元", "亿元", "40亿元"),
        (Decimal("9200"), "元", "元", "9200元"),
        (Decimal("36533493"), "元", "元", "36533493元"),
        (Decimal("15000"), "人", "万人", "1.5万人"),
        (Decimal("86.24"), "%", "%", "86.24%"),
        (Decimal("0"), "%", "%", "0%"),
        (Decimal("-0.0000001"), "%", "%", "0%"),
        (Decimal("0.0000004"), "%", "%", "0%"),
        (Decimal("2.363"), ":1", ":1", "2.36:1"),
        (Decimal("1240.000000"), "公里", "公里", "1240公里"),
    ],
)
def test_figures_are_written_in_the_display_unit(value, unit, display_unit, text):
    assert display_text(value, unit=unit, display_unit=display_unit) == text


def test_only_a_magnitude_of_the_stored_unit_may_be_shown():
    assert display_units("元") == ["元", "万元", "亿元"]
    assert display_units("%") == ["%"]
    with pytest.raises(ValidationError, match="显示单位“万公里”与计量单位“元”不相符，应为元、万元、亿元之一"):
        Indicator(
            id="A-1", name="投资", unit="元", kind="amount", comparator=">=", target=1, display_unit="万公里"
        )
    with pytest.raises(ValidationError, match="应为%之一"):
        Indicator(
            id="A-2", name="比例", unit="%", kind="share", comparator=">=", target=90, display_unit="万%"
        )


def test_an_indicator_without_a_display_unit_takes_one_from_its_target():
    ind = Indicator(id="A-1", name="投资", unit="元", kind="amount", comparator=">=", target=Decimal("4e9"))
    assert (ind.display_unit, ind.shown_unit) == (None, "亿元")
    chosen = ind.model_copy(update={"display_unit": "万元"})
    assert chosen.shown_unit == "万元"


@pytest.mark.parametrize(
    ("number", "unit", "proposed"),
    [
        ("40亿元", "元", "亿元"),
        ("82.67亿元", "元", "亿元"),
        ("3000万元", "元", "万元"),
        ("9200元", "元", "元"),
        ("1.5万人", "人", "万人"),
        ("五十万人", "人", "万人"),
        ("15000人", "人", "人"),
        ("1200万千瓦", "千瓦", "万千瓦"),
        ("800千瓦", "千瓦", "千瓦"),
        ("200万人次", "人次", "万人次"),
        ("70%", "%", None),
        ("40亿", "元", None),
        ("", "元", None),
    ],
)
def test_ingest_proposes_the_unit_the_document_writes(number, unit, proposed):
    assert written_display_unit(number=number, unit=unit) == proposed
