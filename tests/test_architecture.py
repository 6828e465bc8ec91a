"""The floor plan of issue 16, counted from the source: what lint-imports cannot say by itself."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _stats():
    spec = importlib.util.spec_from_file_location("import_stats", ROOT / "scripts" / "import_stats.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass needs its module registered
    spec.loader.exec_module(module)
    return module.stats(ROOT / "src")


def test_no_cycles_no_upward_imports_and_no_function_level_imports_outside_the_cli():
    counted = _stats()
    assert counted.cycles == []
    assert counted.upward == []
    assert counted.function_level == []  # the CLI imports in its commands on purpose (start-up time)


def test_only_persistence_and_the_services_build_queries():
    users = _stats().sqlalchemy_users
    outside = sorted(m for m in users if not m.startswith(("duban.persistence", "duban.services")))
    # the services above the services layer: they take a session from their caller and query with it
    assert outside == [
        m for m in outside if m.startswith(("duban.reports.", "duban.exchange.", "duban.demo"))
    ]
    assert not [m for m in users if m.startswith(("duban.web", "duban.cli"))]
