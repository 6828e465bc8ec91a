"""Chinese typography in the code's own words: every string literal of `src/duban` that holds Chinese (a message,
a CLI line or help, a header the workbooks write, an ingest reason) writes ，；：（）！？ full-width next to it.

The rendered pages are checked in `tests/web/test_typography.py`; this walks the source, so a message that no
page shows yet (an Excel upload fault, a CLI line, a ledger header) cannot slip through. Each string token is
read as Python wrote it; an f-string's placeholders count as a neutral character. The rule is the pages' one
(`typography.half_width_faults`). Not checked, by construction rather than by list:
- regular expressions: raw literals (r"…", how the code writes every pattern) and the first argument of a `re`
  call; they match what documents write, half-width or not;
- docstrings outside `cli/`: code documentation in English, quoting Chinese examples; a command's docstring is
  its Chinese help and is checked.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from typography import half_width_faults

SOURCE = Path(__file__).resolve().parents[1] / "src" / "duban"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
PATTERN_CALLS = frozenset(
    {"compile", "search", "match", "fullmatch", "sub", "subn", "split", "findall", "finditer"}
)
_PREFIX = re.compile(r"(?i)([rbuf]*)('''|\"\"\"|'|\")")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")
# Literals a reader sees as written on purpose, each with its reason. Keep it short.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "exchange/template.py",
        '"是,否"',
    ): "an Excel list validation: its choices are separated by a half-width comma",
}


def _spans(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno, node.col_offset), (node.end_lineno or 0, node.end_col_offset or 0)


def _exempt_spans(
    tree: ast.Module, *, help_docstrings: bool
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The docstrings (unless a command's help) and the patterns handed to `re`."""
    exempt = [_docstring(node, help_docstrings=help_docstrings) or _pattern(node) for node in ast.walk(tree)]
    return [_spans(node) for node in exempt if node is not None]


def _docstring(node: ast.AST, *, help_docstrings: bool) -> ast.AST | None:
    if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    if help_docstrings and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None  # a command's docstring is its help
    first = node.body[0] if node.body else None
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    return first.value if is_doc and isinstance(first, ast.Expr) else None


def _pattern(node: ast.AST) -> ast.AST | None:
    func = getattr(node, "func", None)
    called = isinstance(node, ast.Call) and isinstance(func, ast.Attribute) and func.attr in PATTERN_CALLS
    by_re = called and isinstance(func.value, ast.Name) and func.value.id == "re"  # type: ignore[union-attr]
    return node.args[0] if by_re and node.args else None  # type: ignore[attr-defined]


def chinese_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every checked string literal in the file that holds a Han character."""
    source = path.read_text(encoding="utf-8")
    exempt = _exempt_spans(ast.parse(source), help_docstrings="cli" in path.parts)
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING or any(a <= token.start and token.end <= b for a, b in exempt):
            continue
        prefix, quote = ((m := _PREFIX.match(token.string)) and (m[1].lower(), m[2])) or ("", "")
        if "r" in prefix or "b" in prefix:
            continue
        text = token.string[len(prefix) + len(quote) : len(token.string) - len(quote)]
        text = _PLACEHOLDER.sub("0", text) if "f" in prefix else text
        if HAN.search(text):
            found.append((token.start[0], text))
    return found


def test_the_source_is_walked():
    files = sorted(SOURCE.rglob("*.py"))
    literals = [text for path in files for _, text in chinese_literals(path)]
    assert len(files) > 100 and len(literals) > 1000


def test_chinese_in_the_code_writes_its_punctuation_full_width():
    shown = []
    for path in sorted(SOURCE.rglob("*.py")):
        name = path.relative_to(SOURCE).as_posix()
        for line, text in chinese_literals(path):
            if (name, text) not in ALLOWED:
                shown += [f"{name}:{line}: {fault}" for fault in half_width_faults(text)]
    assert not shown, f"{len(shown)} half-width marks in Chinese strings:\n" + "\n".join(shown)


@pytest.mark.parametrize(
    ("source", "faults"),
    [
        ('x = f"已导入 {n} 个,未变 {m} 个"', 1),
        ('typer.echo(f"duban 已启动:http://{host}/")', 1),
        ('x = "县(市、区)"', 2),
        ('x = f"（{count} 个)"', 1),
        ('PATTERN = r"单位[::](万元)"', 0),
        ('x = re.compile("(合计|小计)")', 0),
        ('def f():\n    """Example: 36533493 元 → 0.365亿元, as the table shows."""', 0),
        ('x = "duban (MIT License)"', 0),
    ],
)
def test_the_walk_sees_messages_and_passes_patterns(tmp_path, source, faults):
    path = tmp_path / "sample.py"
    path.write_text(source, encoding="utf-8")
    assert sum(len(half_width_faults(text)) for _, text in chinese_literals(path)) == faults


def test_parentheses_in_chinese_strings_come_in_pairs_of_one_width():
    shown = []
    for path in sorted(SOURCE.rglob("*.py")):
        for line, text in chinese_literals(path):
            if re.search(r"（[^()（）]*\)|\([^()（）]*）", text):
                shown.append(f"{path.relative_to(SOURCE).as_posix()}:{line}: {text}")
    assert not shown, "\n".join(shown)
