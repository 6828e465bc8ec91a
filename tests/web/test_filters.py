from decimal import Decimal

import pytest

from duban.choices import OrgKind
from duban.plan.levels import Level
from duban.web.filters import fmt_amount, fmt_number, fmt_plain, scope_label


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (1240, "1,240"),
        (Decimal("826.5"), "826.5"),
        (Decimal("15000.000000"), "15,000"),
        (8267000000, "82.67亿"),
        (Decimal("3211105343"), "32.11亿"),
        (Decimal("400000000"), "4亿"),
        (Decimal("826.456"), "826.46"),  # the one rounding rule (units.rounded_number)
        (Decimal("12345.6789"), "12,345.68"),
        (Decimal("-0.0437"), "-0.0437"),
        (Decimal("8260000000"), "82.6亿"),
        (Decimal("8266600000"), "82.67亿"),
    ],
)
def test_numbers_as_offices_write_them(value, shown):
    assert fmt_number(value) == shown


@pytest.mark.parametrize(
    ("scope", "shown"),
    [
        ("city", "全市"),
        ("each:counties", "各县（市、区）分别"),
        ("镇雄县", "镇雄县"),
        ("area:赤水河流域", "赤水河流域"),
    ],
)
def test_scopes_in_words(scope, shown):
    assert scope_label(scope, Level(OrgKind.CITY)) == shown


def test_a_province_plans_scopes_in_its_words():
    province = Level(OrgKind.PROVINCE)
    assert [scope_label(s, province) for s in ("city", "each:counties")] == ["全省", "各市（州）分别"]


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (None, "元", "—"),
        (Decimal("8267000000"), "元", "82.67亿元"),
        (Decimal("36533493"), "元", "3653.35万元"),
        (Decimal("9200"), "元", "9200元"),
        (Decimal("15000"), "人", "1.5万人"),
        (Decimal("86.24"), "%", "86.24%"),
        (Decimal("1240.000000"), "公里", "1240公里"),
    ],
)
def test_amounts_in_their_display_units(value, unit, shown):
    assert fmt_amount(value, unit) == shown


def test_a_form_field_shows_a_stored_number_without_trailing_zeros():
    assert (fmt_plain(Decimal("1000.000000")), fmt_plain(Decimal("0.500")), fmt_plain("")) == (
        "1000",
        "0.5",
        "",
    )
