"""Count what issue 16 counts about duban's imports: cycles, upward imports, function-level imports, sqlalchemy.

    uv run python scripts/import_stats.py [SRC]      # SRC defaults to src/ of this checkout

Reads the source with `ast` (nothing is imported). An import inside `if TYPE_CHECKING:` is not counted;
an import inside a function is ("function-level"). Layers, lowest first, are those of docs/architecture.md.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

# Lowest first; a module belongs to the longest prefix listed. An import of a higher layer is "upward".
LAYERS: dict[str, int] = {
    "duban.choices": 0, "duban.plaintext": 0, "duban.months": 0, "duban.plan": 0, "duban.progress": 0,
    "duban.ingest": 0, "duban.projects": 0, "duban.supervision": 0, "duban.exchange.archive": 0,
    "duban.settings": 1,
    "duban.persistence": 2, "duban.storage": 2,
    "duban.services": 3, "duban.exchange": 3, "duban.reports": 3, "duban.demo": 3, "duban.projects.demo": 3,
    "duban.web": 4, "duban.cli": 4,
}  # fmt: skip


def modules(src: Path) -> dict[str, Path]:
    found = {}
    for path in sorted((src / "duban").rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> list[tuple[str, str]]:
    """(imported duban module or 'sqlalchemy', 'top' | 'function') for each import the module runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = "function" if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else where
            if isinstance(child, ast.Import):
                found.extend((_resolve(a.name, known), where) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    base = ".".join([*parts[: len(parts) - child.level + 1], base]).strip(".")
                for alias in child.names:
                    found.append((_resolve(f"{base}.{alias.name}", known, fallback=base), where))
            visit(child, inner)

    visit(tree, "top")
    return [(m, w) for m, w in found if m]


def _resolve(target: str, known: set[str], fallback: str | None = None) -> str:
    if target.split(".")[0] == "sqlalchemy" or (fallback or "").split(".")[0] == "sqlalchemy":
        return "sqlalchemy"
    for candidate in (target, fallback):
        while candidate:
            if candidate in known:
                return candidate
            candidate = candidate.rpartition(".")[0]
    return ""


def layer(module: str) -> int | None:
    best = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len, default=None)
    return LAYERS[best] if best else None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            strong(v)
    return found


@dataclass(frozen=True)
class Stats:
    modules: int
    cycles: list[list[str]]
    upward: list[str]
    function_level: list[str]
    sqlalchemy_users: set[str]
    largest: tuple[str, int]


def stats(src: Path) -> Stats:
    """The counts of issue 16 for the package under `src`."""
    found = modules(src)
    known = set(found)
    graph: dict[str, set[str]] = defaultdict(set)
    upward, function_level, sqlalchemy_users = set(), [], set()
    for name, path in found.items():
        for target, where in imports(name, path, known):
            if target == "sqlalchemy":
                sqlalchemy_users.add(name)
                continue
            if target == name or target.startswith(name + ".") or name.startswith(target + "."):
                continue  # a package and its own modules
            graph[name].add(target)
            if where == "function" and not name.startswith("duban.cli"):
                function_level.append(f"{name} -> {target}")
            low, high = layer(name), layer(target)
            if low is not None and high is not None and high > low:
                upward.add(f"{name} -> {target}")
    lines = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in found.items()}
    largest = max(lines.items(), key=lambda item: item[1])
    return Stats(len(found), cycles(graph), sorted(upward), function_level, sqlalchemy_users, largest)


def main(src: Path) -> None:
    counted = stats(src)
    print(f"modules: {counted.modules}")
    print(f"import cycles (strongly connected groups of modules): {len(counted.cycles)}")
    for loop in counted.cycles:
        print(f"  {len(loop)} modules: {', '.join(loop)}")
    print(f"upward imports: {len(counted.upward)}")
    for line in counted.upward:
        print(f"  {line}")
    print(f"function-level duban imports outside cli/: {len(counted.function_level)}")
    for line in counted.function_level:
        print(f"  {line}")
    print(f"modules importing sqlalchemy: {len(counted.sqlalchemy_users)}")
    print(f"largest module: {counted.largest[0]} ({counted.largest[1]} lines)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "src")
