"""Assemble the draft plan: areas from headings, tasks from numbered items or paragraphs, indicators."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import ValidationError

from duban.choices import OrgKind, ScopeKind
from duban.ingest.context import DocumentFacts
from duban.ingest.layout import AREA_HEADING, PAST_HEADING, Block, heading_title
from duban.ingest.normalize import NormalText
from duban.ingest.tables import Columns, bare_figures, cell_spans, header_columns, mark_progress
from duban.ingest.targets import TARGET, BlockSetting, Candidate, read_block
from duban.plan.horizon import Horizon
from duban.plan.model import Area, Indicator, OrgUnit, Plan, Scope, SourceDocument, Task
from duban.plan.units import written_display_unit

_LEAD = re.compile(r"牵头(?:单位|部门)?[::]\s*([^;,,)\n\t]+)")
_TOPIC = re.compile(r"在([^,。;]{2,20}?)(?:方面|上)[,]")
_LEAD_COLUMN = re.compile(r"牵头")
_CHINESE_NUMBERED = re.compile(r"^[一二三四五六七八九十]+、")
DEFAULT_AREA = "总体目标"
_PLAN_HEADING = re.compile(r"目标|任务|安排|计划|举措|实事|重点工作|工作要点|预期")
_FUTURE_HEADING = re.compile(r"目标|任务|安排|计划|今年|明年|展望|下一步|要点|思路|举措|建议|预期")
_UNIT_LABEL = re.compile(r"^([\u4e00-\u9fff]{1,4}?(?:县|区|旗))\s+\S")
# '这一年,我们聚焦三农谋幸福,…', '2024年,我们用心用情办实事,…': a review tells what we did; a plan says 将/要
_REVIEW_LEAD = re.compile(r"^(?:这一年|过去一年|一年来|(20\d\d)年)[,,]我们(?!将|要|必须|一定|还将|务必)")
_LIST_INTRO = re.compile(r"(?:分别是|分别为|如下|包括|具体是)[::]\s*$")
_TITLE_EDGES = " —-:,"  # characters, not a sequence: trailing dashes and commas of newspaper titles


@dataclass
class IngestItem:
    """One number read from the document, whether taken as a target or not, traced to its source."""

    value: Decimal
    unit: str
    status: str
    reason: str
    quote: str
    offset: int
    line: int
    confidence: float
    flags: list[str] = field(default_factory=list)
    indicator_id: str | None = None
    section: str = ""
    number: str = ""  # the number with its unit as the original text writes it (82.67亿元)
    number_offset: int = -1
    target_year: int | None = None  # a later year the target is set for (2030), shown on the review page


@dataclass
class _Cursor:
    """Where the walk through the blocks is: current area, task and table columns."""

    areas: list[Area] = field(default_factory=list)
    past_areas: set[str] = field(default_factory=set)
    task: Task | None = None
    task_is_item: bool = False
    lead_column: int | None = None
    columns: Columns | None = None
    lead_units: list[str] = field(default_factory=list)
    indicator_count: int = 0
    section_unit: str | None = None  # '寿县 一、就业促进行动': the unit a table's rows below belong to
    section_units: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """The plan being drafted and every item read on the way."""

    plan: Plan
    items: list[IngestItem]
    problems: list[str]


def draft_plan(*, nt: NormalText, blocks: list[Block], facts: DocumentFacts, source: SourceDocument) -> Draft:
    """Walk the blocks in order and build the draft plan."""
    cursor = _Cursor()
    items: list[IngestItem] = []
    problems: list[str] = []
    title = next((b.text for b in blocks if b.kind == "title"), "")
    for block in blocks:
        _step(cursor, block, facts, title)
        if block.kind in ("paragraph", "item", "task", "row") or _area_with_sentences(block):
            _read_into(cursor, block, nt, facts, items, problems)
    plan = Plan(
        region=facts.region,
        year=facts.year,
        title=_plan_title(title, facts),
        source=source,
        units=_units(facts, cursor.lead_units, cursor.section_units),
        areas=_non_empty(cursor.areas),
    )
    return Draft(plan=plan, items=items, problems=problems)


def _plan_title(title: str, facts: DocumentFacts) -> str:
    cleaned = title.strip(_TITLE_EDGES)
    return cleaned or f"{facts.region}{facts.year}年工作计划（草案）"


def _step(cursor: _Cursor, block: Block, facts: DocumentFacts, title: str) -> None:
    """Open a new area or task when the block is a heading, item or table row."""
    label = _UNIT_LABEL.match(block.text)
    if label and label.group(1) != facts.region:
        cursor.section_unit = label.group(1)
        cursor.section_units.append(label.group(1))
    if block.kind == "area" and not cursor.areas and "实事" in title:
        _current_area(cursor, title, facts)  # the title names the 民生实事 list its items belong to
    if block.kind == "area" and _livelihood_item(cursor, block):
        _open_task(cursor, block, title, facts)
    elif block.kind == "area":
        _open_area(cursor, heading_title(block), facts, numbered=bool(AREA_HEADING.match(block.text)))
    elif block.kind in ("task", "item") or (block.kind == "row" and block.number):
        _open_task(cursor, block, title, facts)
    elif block.kind == "table_header":
        columns = [i for i, c in enumerate(block.cells) if _LEAD_COLUMN.search(c)]
        cursor.lead_column = columns[0] if columns else None
        cursor.columns = header_columns(block.cells)
    elif block.kind in ("title", "paragraph") and _reviews(block.text, facts.year, first=not cursor.areas):
        _open_area(cursor, block.text[:30], facts, numbered=False)
        cursor.past_areas.add(cursor.areas[-1].code)
    elif block.kind == "paragraph" and _LIST_INTRO.search(block.text) and "实事" in block.text:
        _open_area(cursor, _list_name(block.text), facts, numbered=False)
    elif block.kind == "paragraph" and not cursor.task_is_item:
        cursor.task = None


def _reviews(text: str, year: int, *, first: bool) -> bool:
    """A line that narrates what was done: 'this year' words, an earlier year, or any year opening the document
    (an excerpt of a review whose only year is the one it reviews)."""
    lead = _REVIEW_LEAD.match(text)
    if lead is None or not lead.group(1):
        return lead is not None
    return int(lead.group(1)) < year or first


def _list_name(text: str) -> str:
    """'…依法票决确定2025年象山县民生实事项目,共15项,分别是:' names its list by the clause with 实事."""
    clause = next(c for c in re.split(r"[,,。;;::]", text) if "实事" in c)
    return clause[clause.rfind("实事") - 16 :].strip() if len(clause) > 24 else clause.strip()


def _livelihood_item(cursor: _Cursor, block: Block) -> bool:
    """'一、…' inside a 民生实事 list is one of its items, not a new area."""
    in_list = bool(cursor.areas) and cursor.areas[-1].livelihood
    return in_list and bool(_CHINESE_NUMBERED.match(block.text)) and "实事" not in block.text


def _area_with_sentences(block: Block) -> bool:
    """'二、主要目标:地区生产总值增长6%。' carries targets after its heading."""
    return block.kind == "area" and bool(re.search(r"[。;:,]", block.text))


def _open_area(cursor: _Cursor, name: str, facts: DocumentFacts, *, numbered: bool = True) -> None:
    code = f"{len(cursor.areas) + 1:02d}"
    # an unnumbered heading inside a review part ('经济实力迈上新台阶') belongs to the review
    in_review = bool(cursor.areas) and cursor.areas[-1].code in cursor.past_areas
    cursor.areas.append(Area(code=code, name=name[:60], livelihood="实事" in name))
    if (
        PAST_HEADING.search(name)
        or _names_earlier_year(name, facts.year)
        or (in_review and not numbered and not _FUTURE_HEADING.search(name))
    ):
        cursor.past_areas.add(code)
    cursor.task, cursor.task_is_item = None, False


def _names_earlier_year(text: str, year: int) -> bool:
    years = [int(y) for y in re.findall(r"(20\d\d)年", text)]
    return bool(years) and max(years) < year and "目标" not in text


def _open_task(cursor: _Cursor, block: Block, title: str, facts: DocumentFacts) -> None:
    area = _current_area(cursor, title, facts)
    name = block.cells[1] if block.kind == "row" and len(block.cells) > 1 else heading_title(block)
    number = block.number or str(len(area.tasks) + 1)
    task = Task(code=f"{area.code}-{number}", title=name[:80] or "未命名任务")
    _unique_code(area, task)
    area.tasks.append(task)
    cursor.task, cursor.task_is_item = task, True


def _unique_code(area: Area, task: Task) -> None:
    codes = {t.code for t in area.tasks}
    base, n = task.code, 1
    while task.code in codes:
        n += 1
        task.code = f"{base}.{n}"


def _current_area(cursor: _Cursor, title: str, facts: DocumentFacts) -> Area:
    if not cursor.areas:
        _open_area(cursor, (title or DEFAULT_AREA).strip(_TITLE_EDGES), facts)
    return cursor.areas[-1]


def _read_into(
    cursor: _Cursor,
    block: Block,
    nt: NormalText,
    facts: DocumentFacts,
    items: list[IngestItem],
    problems: list[str],
) -> None:
    """Read the block's numbers; targets become indicators of the current (or a new) task."""
    area = _current_area(cursor, "", facts)
    setting = BlockSetting(
        facts=facts,
        past_section=area.code in cursor.past_areas,
        listed=cursor.task_is_item,
        plan_section=area.livelihood or (area.name != DEFAULT_AREA and bool(_PLAN_HEADING.search(area.name))),
    )
    candidates = read_block(text=nt.text[block.start : block.end], start=block.start, setting=setting)
    if block.kind == "row" and cursor.columns is not None:
        candidates = _table_candidates(candidates, nt.text, block, cursor.columns)
    lead = _lead_unit(cursor, block)
    for candidate in candidates:
        if cursor.section_unit and candidate.scope.kind is ScopeKind.CITY:
            candidate.scope = Scope(kind=ScopeKind.UNIT, unit=cursor.section_unit)
        item = _item(candidate, nt, area.name)
        items.append(item)
        if candidate.status == TARGET:
            _add_indicator(cursor, area, block, candidate, item, lead, problems)


def _table_candidates(
    candidates: list[Candidate], text: str, block: Block, columns: Columns
) -> list[Candidate]:
    """Progress cells are not targets; bare figures take the unit of the 单位 column."""
    spans = cell_spans(text, block)
    mark_progress(text, candidates, spans, columns)
    name = (
        text[slice(*spans[columns.name])].strip()
        if columns.name is not None and columns.name < len(spans)
        else ""
    )
    bare = bare_figures(text, spans, columns, name or "未命名指标")
    return sorted(candidates + bare, key=lambda c: c.number_start if c.number_start >= 0 else c.start)


def _lead_unit(cursor: _Cursor, block: Block) -> str | None:
    found = _LEAD.search(block.text)
    name = found.group(1) if found else None
    if block.kind == "row" and cursor.lead_column is not None and cursor.lead_column < len(block.cells):
        name = block.cells[cursor.lead_column] or name
    if not name:
        return None
    name = re.split(r"[、,,;]", name)[0].strip()[:40]
    if name and name not in cursor.lead_units:
        cursor.lead_units.append(name)
    return name or None


def _item(candidate: Candidate, nt: NormalText, section: str) -> IngestItem:
    start, end = nt.original_span(candidate.start, candidate.end)
    at = (candidate.number_start, candidate.number_end) if candidate.number_start >= 0 else (start, end)
    number_start, number_end = nt.original_span(*at) if candidate.number_start >= 0 else at
    return IngestItem(
        value=candidate.value,
        unit=candidate.unit,
        status=candidate.status,
        reason=candidate.reason,
        quote=nt.source[start:end],
        offset=start,
        line=nt.line_of(start),
        confidence=candidate.confidence if candidate.status == TARGET else 0.7,
        flags=list(candidate.flags),
        section=section,
        number=nt.source[number_start:number_end],
        number_offset=number_start,
        target_year=candidate.target_year,
    )


def _add_indicator(
    cursor: _Cursor,
    area: Area,
    block: Block,
    candidate: Candidate,
    item: IngestItem,
    lead: str | None,
    problems: list[str],
) -> None:
    try:
        indicator = _indicator(f"T{cursor.indicator_count + 1:03d}", candidate, item, lead)
    except ValidationError as exc:
        problems.append(f"第 {item.line} 行“{item.quote}”无法成为指标：{exc.errors()[0]['msg']}")
        return
    task = cursor.task or _paragraph_task(cursor, area, block)
    if lead and not task.lead_unit:
        task.lead_unit = lead
    task.indicators.append(indicator)
    cursor.indicator_count += 1
    item.indicator_id = indicator.id


def _indicator(ident: str, candidate: Candidate, item: IngestItem, lead: str | None) -> Indicator:
    return Indicator(
        id=ident,
        name=candidate.name[:80],
        unit=candidate.unit,
        display_unit=written_display_unit(number=item.number, unit=candidate.unit),
        kind=candidate.kind,
        comparator=candidate.comparator,
        target=candidate.value,
        aspiration=candidate.aspiration,
        scope=candidate.scope,
        lead_unit=lead,
        quote=item.quote,
        offset=item.offset,
        line=item.line,
        confidence=round(candidate.confidence, 2),
        flags=list(candidate.flags),
        note=candidate.note or None,
        horizon=Horizon(year=candidate.target_year, target=candidate.value)
        if candidate.target_year
        else None,
    )


def _paragraph_task(cursor: _Cursor, area: Area, block: Block) -> Task:
    """A task for an unnumbered paragraph, titled by its topic (在…方面) or its first clause."""
    topic = _TOPIC.search(block.text)
    title = topic.group(1) if topic else re.split(r"[,。;:]", block.text, maxsplit=1)[0][:30]
    task = Task(code=f"{area.code}-{len(area.tasks) + 1}", title=title or area.name)
    _unique_code(area, task)
    area.tasks.append(task)
    cursor.task = task
    return task


def _units(facts: DocumentFacts, leads: list[str], sections: list[str]) -> list[OrgUnit]:
    """The region, the counties the text names or heads rows with, and the lead units of tables."""
    counties = list(dict.fromkeys([*facts.counties, *sections]))
    units = [OrgUnit(name=facts.region, kind=OrgKind.CITY)]
    units += [OrgUnit(name=c, kind=OrgKind.COUNTY, parent=facts.region) for c in counties]
    known = {u.name for u in units}
    units += [OrgUnit(name=n, kind=OrgKind.DEPARTMENT, parent=facts.region) for n in leads if n not in known]
    return units


def _non_empty(areas: list[Area]) -> list[Area]:
    kept = []
    for area in areas:
        area.tasks = [t for t in area.tasks if t.indicators]
        if area.tasks:
            kept.append(area)
    return kept
