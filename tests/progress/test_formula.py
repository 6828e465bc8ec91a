from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pytest

from duban.progress.formula import FormulaError, parse_formula


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("{A-02} / {A-01}", {"A-01": "10", "A-02": "8267000000"}, "826700000"),
        ("(a + b) * 100 / c", {"a": "1", "b": "2", "c": "4"}, "75"),
        ("a + b * c", {"a": "1", "b": "2", "c": "4"}, "9"),
        ("a - b - c", {"a": "10", "b": "2", "c": "3"}, "5"),
        ("a / b / c", {"a": "24", "b": "2", "c": "3"}, "4"),
        ("-a + 3", {"a": "1"}, "2"),
        ("2 * (3 + 4.5)", {}, "15.0"),
        ("{ L03-1 } - L05_1", {"L03-1": "70", "L05_1": "86"}, "-16"),
        ("a / b", {"a": "1", "b": "0"}, None),
        ("a + missing", {"a": "1"}, None),
    ],
)
def test_evaluate(text: str, values: dict[str, str], expected: str | None) -> None:
    result = parse_formula(text).evaluate({k: Decimal(v) for k, v in values.items()})
    assert result == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a +", "不完整"),
        ("a ^ b", "第3个字符处无法识别“^”"),
        ("(a + b", "括号没有闭合"),
        ("a b", "第3个字符处多出“b”"),
        ("__import__('os')", "无法识别"),
        ("* a", "不应出现“*”"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(FormulaError, match=re.escape(message)):
        parse_formula(text)


def test_ids_and_arrays() -> None:
    formula = parse_formula("{A-02} / {A-01} * 100")
    assert formula.ids == {"A-01", "A-02"}
    result = formula.evaluate_array({"A-01": np.array([0.0, 4.0, np.nan]), "A-02": np.array([1.0, 1.0, 1.0])})
    assert np.isnan(result[0]) and result[1] == 25.0 and np.isnan(result[2])
