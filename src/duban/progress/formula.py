"""Derived indicators: a small, safe arithmetic language over indicator ids (no eval()).

Grammar: numbers, indicator ids, + - * /, unary minus and parentheses. An id is either a bare
word of letters, digits and underscores starting with a letter (`gdp`, `A01`), or any id in braces
(`{A-01}`, `{L03-1}`) — ids with a hyphen must be braced, since `A-01` would read as A minus 01.
A missing operand or a division by zero makes the result missing (None / NaN), never an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<id>[A-Za-z][A-Za-z0-9_]*|\{[^{}]+\})|(?P<op>[-+*/()]))"
)

Node = tuple[Any, ...]


class FormulaError(ValueError):
    """The formula cannot be read; the message says where."""


@dataclass(frozen=True)
class Formula:
    """A parsed formula; evaluate it over Decimals or over numpy arrays."""

    text: str
    tree: Node

    @property
    def ids(self) -> frozenset[str]:
        """Every indicator id the formula uses."""
        return frozenset(_ids(self.tree))

    def evaluate(self, values: Mapping[str, Decimal | None]) -> Decimal | None:
        """The value for one unit; None if an operand is missing or a divisor is zero."""
        return _walk(self.tree, lambda name: values.get(name), _decimal_op)

    def evaluate_array(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Element-wise values; NaN where an operand is NaN or a divisor is zero."""
        with np.errstate(divide="ignore", invalid="ignore"):
            result = _walk(self.tree, lambda name: values[name], _array_op)
        return np.where(np.isfinite(result), result, np.nan)


def parse_formula(text: str) -> Formula:
    """Read a formula such as `{A-02} / {A-01}` or `(a + b) * 100 / c`; raise FormulaError."""
    tokens = _tokenise(text)
    parser = _Parser(text, tokens)
    tree = parser.expression()
    if parser.pos < len(tokens):
        raise FormulaError(f"公式“{text}”第{tokens[parser.pos][2] + 1}个字符处多出“{tokens[parser.pos][1]}”")
    return Formula(text, tree)


def _tokenise(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            where = len(text) - len(text[pos:].lstrip())
            raise FormulaError(f"公式“{text}”第{where + 1}个字符处无法识别“{text[where]}”")
        tokens.append((match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, tokens: list[tuple[str, str, int]]) -> None:
        self.text, self.tokens, self.pos = text, tokens, 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def expression(self) -> Node:
        node = self.term()
        while self._peek() in ("+", "-"):
            self.pos += 1
            node = (self.tokens[self.pos - 1][1], node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while self._peek() in ("*", "/"):
            self.pos += 1
            node = (self.tokens[self.pos - 1][1], node, self.factor())
        return node

    def factor(self) -> Node:
        if self.pos >= len(self.tokens):
            raise FormulaError(f"公式“{self.text}”不完整，结尾缺少数值或指标")
        kind, value, where = self.tokens[self.pos]
        self.pos += 1
        if kind == "num":
            return ("num", Decimal(value))
        if kind == "id":
            return ("id", value.strip("{}").strip())
        if value == "-":
            return ("neg", self.factor())
        if value == "(":
            node = self.expression()
            if self._peek() != ")":
                raise FormulaError(f"公式“{self.text}”第{where + 1}个字符处的括号没有闭合")
            self.pos += 1
            return node
        raise FormulaError(f"公式“{self.text}”第{where + 1}个字符处不应出现“{value}”")


def _ids(node: Node) -> list[str]:
    if node[0] == "id":
        return [node[1]]
    return [name for child in node[1:] if isinstance(child, tuple) for name in _ids(child)]


def _walk(node: Node, leaf: Callable[[str], Any], op: Callable[[str, Any, Any], Any]) -> Any:
    if node[0] == "num":
        return node[1] if op is _decimal_op else float(node[1])
    if node[0] == "id":
        return leaf(node[1])
    if node[0] == "neg":
        return op("neg", _walk(node[1], leaf, op), None)
    return op(node[0], _walk(node[1], leaf, op), _walk(node[2], leaf, op))


def _decimal_op(name: str, left: Decimal | None, right: Decimal | None) -> Decimal | None:
    if left is None or (right is None and name != "neg"):
        return None
    if name == "neg":
        return -left
    assert right is not None
    if name == "/":
        return None if right == 0 else left / right
    return left + right if name == "+" else left - right if name == "-" else left * right


def _array_op(name: str, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    if name == "neg":
        return -left
    if name == "/":
        return np.divide(left, right)
    return left + right if name == "+" else left - right if name == "-" else left * right
