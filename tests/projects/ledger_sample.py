"""The hand-made ledger of tests/data/ledger/sample.yaml as pure projects."""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from duban.projects.model import Project

SAMPLE = Path(__file__).parents[1] / "data" / "ledger" / "sample.yaml"


def sample_projects() -> list[Project]:
    """The seven sample projects P1..P7."""
    return [Project.model_validate(item) for item in YAML(typ="safe").load(SAMPLE.read_text("utf-8"))]
