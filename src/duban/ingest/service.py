"""The ingest service: a plan document in, a draft plan and every number read out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from duban.ingest.context import document_facts
from duban.ingest.draft import IngestItem, draft_plan
from duban.ingest.errors import IngestError
from duban.ingest.layout import document_blocks
from duban.ingest.normalize import normalize
from duban.ingest.quantities import count_quantities
from duban.ingest.readers import read_source
from duban.plan.model import Plan, SourceDocument

MAX_NUMBERS = 100_000


@dataclass
class IngestResult:
    """The draft plan, every number read (targets and the rest, with reasons), and problems met."""

    plan: Plan
    items: list[IngestItem]
    problems: list[str]
    source_text: str

    @property
    def targets(self) -> list[IngestItem]:
        return [i for i in self.items if i.indicator_id]


def ingest_document(*, path: Path) -> IngestResult:
    """Read a plan document and draft its plan; raise IngestError when it cannot be read."""
    source = read_source(path=path)
    return ingest_text(text=source.text, source=SourceDocument(path=str(path), sha256=source.sha256))


def ingest_text(*, text: str, source: SourceDocument) -> IngestResult:
    """Draft a plan from already-read document text."""
    nt = normalize(text)
    numbers = count_quantities(nt.text)
    if numbers > MAX_NUMBERS:
        raise IngestError(f"文档中有 {numbers} 个带单位的数字，远超一份年度计划，请拆分后分别导入")
    fallback_region = Path(source.path).stem[:20] or "未命名地区"
    facts = document_facts(text=nt.text, fallback_region=fallback_region, fallback_year=date.today().year)
    draft = draft_plan(nt=nt, blocks=document_blocks(nt.text), facts=facts, source=source)
    return IngestResult(plan=draft.plan, items=draft.items, problems=draft.problems, source_text=text)
