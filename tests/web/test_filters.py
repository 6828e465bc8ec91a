from decimal import Decimal

import pytest

from duban.web.filters import fmt_number, scope_label


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
    ],
)
def test_numbers_as_offices_write_them(value, shown):
    assert fmt_number(value) == shown


@pytest.mark.parametrize(
    ("scope", "shown"),
    [
        ("city", "全市"),
        ("each:counties", "各县(市、区)分别"),
        ("镇雄县", "镇雄县"),
        ("area:赤水河流域", "赤水河流域"),
    ],
)
def test_scopes_in_words(scope, shown):
    assert scope_label(scope) == shown
