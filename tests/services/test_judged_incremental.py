"""A judged period brought up to date by splicing the touched indicators equals one judged whole.

Random office work (drafts, submissions, approvals, returns in several months, target revisions, plan
edits) on a plan with a formula over two summed counts, a rate, a milestone and an "each county" count;
after every write the remembered judged period (spliced from the one before whenever only entries
changed) is compared array by array with a fresh judgement that bypasses the cache, and the period's
entry states (报送情况, 待审核), patched after each write, with those read afresh.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from builders import make_indicator, make_plan
from duban.choices import EntryState
from duban.persistence.db import make_engine, session_factory
from duban.persistence.generation import Generation
from duban.persistence.models import EntryRow
from duban.persistence.readcache import bypassed
from duban.plan.model import Breakdown, Indicator, Plan
from duban.progress.batch import PeriodResult
from duban.services import judged, summary
from duban.services.entries import approve, record_value, return_entry, submit
from duban.services.entry_states import EntryStates, entry_states
from duban.services.history import LastYear, last_year
from duban.services.judged import JudgedPeriod, judged_period
from duban.services.office import Basis
from duban.services.plan_edits import apply_edit
from duban.services.revisions import revise_target
from duban.services.summary import DashboardSummary, remembered_summary
from services.test_entries import World, make_world

D = Decimal
TWO = ("镇雄县", "昭阳区")
WHO = {"镇雄县": "zhenxiong", "昭阳区": "zhaoyang"}


def _plan() -> Plan:
    def split(a: int, b: int) -> Breakdown:
        return Breakdown(targets={"镇雄县": D(a), "昭阳区": D(b)})

    return make_plan(indicators=[
        make_indicator(breakdown=split(740, 500)),
        make_indicator(id="L05-1", name="新建村级公路", target=D(600), breakdown=split(300, 300)),
        make_indicator(id="F-1", name="公路里程合计", target=D(1840), formula="{L02-1} + {L05-1}",
                       breakdown=split(1040, 800)),
        make_indicator(id="L03-1", name="农村生活污水治理率", unit="%", kind="rate", comparator=">=",
                       target=D(70), numerator="已治理自然村数", denominator="自然村总数", breakdown=split(70, 70)),
        make_indicator(id="M-1", name="县医院新院区建设", unit="项", kind="milestone", comparator="=",
                       target=D(1), scope="镇雄县"),
        make_indicator(id="E-1", name="每县新建污水厂", unit="座", target=D(2), comparator=">=",
                       scope={"kind": "each", "units": list(TWO)}),
    ])  # fmt: skip


CODES = ("L02-1", "L05-1", "F-1", "L03-1", "M-1", "E-1")
OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["advance"] * 6 + ["save", "return", "revise", "edit"]), st.sampled_from(CODES),
              st.sampled_from(TWO), st.integers(min_value=4, max_value=6), st.integers(min_value=1, max_value=9)),
    min_size=20, max_size=60,
)  # fmt: skip


@pytest.fixture
def world_and_factory(factory: sessionmaker[Session]) -> tuple[World, sessionmaker[Session]]:
    with factory() as session, session.begin():
        world = make_world(session, plan=_plan())
    return world, factory


def _raw(code: str, n: int, round_: int, month: int) -> dict[str, Any]:
    if code == "L03-1":
        return {"numerator": str(n), "denominator": "10"}
    if code == "M-1":
        return {"stage": "已完成" if n > 5 else "实施中", "stage_date": f"2026-{month:02d}-05"}
    return {"value": str(100 * month + n + round_ % 50)}  # year to date: never less than the month before


def _apply(session: Session, world: World, op: tuple[str, str, str, int, int], round_: int) -> None:
    kind, code, unit, month, n = op
    unit, today = "镇雄县" if code == "M-1" else unit, date(2026, month, 10)  # within the month's window
    entry = session.scalars(select(EntryRow).where(
        EntryRow.indicator_id == world.rows[code].id, EntryRow.unit_id == world.units[unit].id,
        EntryRow.period_id == world.periods[month - 1].id)).first()  # fmt: skip
    if kind == "advance":  # the cell's next step in the workflow
        kind = {"draft": "submit", "submitted": "approve", "approved": "correct"}.get(
            entry.state if entry else "", "save"
        )
    if kind == "save" and (entry is None or entry.state in ("draft", "returned")):
        world.save(session, code, month=month, unit=unit, who=WHO[unit], today=today, version=entry.version if entry else None,
                   confirmed=True, note="按计划推进", **_raw(code, n, round_, month))  # fmt: skip
    elif (
        kind == "correct" and entry is not None and entry.state == "approved" and code not in ("L03-1", "M-1")
    ):
        # an approved figure corrected with a reason: a draft again, its official figure kept until approved
        record_value(session=session, indicator_id=entry.indicator_id, unit_id=entry.unit_id, period_id=entry.period_id,
                     user_id=world.users[WHO[unit]], value=D(_raw(code, n, round_, month)["value"]),
                     expected_version=entry.version, reason="数据更正")  # fmt: skip
    elif kind == "submit" and entry is not None and entry.state == "draft":
        submit(session=session, entry=entry, writer=world.writer(WHO[unit], today))
    elif kind == "approve" and entry is not None and entry.state == "submitted":
        approve(session=session, entry=entry, writer=world.writer("admin", today))
    elif kind == "return" and entry is not None and entry.state == "submitted":
        return_entry(session=session, entry=entry, writer=world.writer("admin", today), reason="请核实")
    elif kind == "revise" and code in ("L02-1", "L05-1"):
        revise_target(session=session, indicator_id=world.rows[code].id, unit_id=world.units[unit].id,
                      new_value=D(200 + n), effective_month=6, reason="调整", user_id=None)  # fmt: skip
    elif kind == "edit" and code == "L03-1":
        edited = _indicator(world, code).model_copy(update={"target": D(60 + n)})
        apply_edit(session=session, row=session.get_one(type(world.rows[code]), world.rows[code].id), edited=edited,
                   user_id=world.users["admin"], reason="按新要求调整")  # fmt: skip


def _indicator(world: World, code: str) -> Indicator:
    return next(
        ind for area in world.plan.areas for task in area.tasks for ind in task.indicators if ind.id == code
    )


def assert_same(kept: JudgedPeriod, fresh: JudgedPeriod) -> None:
    """Every array of the two judged periods equal (NaN equal to NaN); the frame's rows in a canonical order."""
    np.testing.assert_array_equal(kept.indicator_ids, fresh.indicator_ids)
    assert kept.indicators == fresh.indicators
    for field in dataclasses.fields(PeriodResult):
        np.testing.assert_array_equal(getattr(kept.result, field.name), getattr(fresh.result, field.name),
                                      err_msg=field.name)  # fmt: skip
    np.testing.assert_array_equal(kept.carried.month, fresh.carried.month)
    np.testing.assert_array_equal(kept.carried.value, fresh.carried.value)
    np.testing.assert_array_equal(kept.reporting_cells, fresh.reporting_cells)
    np.testing.assert_array_equal(kept.frame.target, fresh.frame.target)
    assert _rows(kept) == _rows(fresh)


def _rows(period: JudgedPeriod) -> list[tuple[Any, ...]]:
    frame = period.frame
    order = np.lexsort((frame.unit, frame.indicator))  # stable: a cell's later row stays later
    columns = [frame.indicator, frame.unit, frame.value, frame.numerator, frame.denominator]
    return [tuple(np.nan_to_num(np.asarray(c, dtype=float)[order], nan=-1.5).tolist()) for c in columns]


@pytest.fixture
def splices(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many judged periods were brought up to date (spliced, or kept when the part judged again was the
    same) rather than judged whole."""
    counted: list[int] = []
    original, same = judged._spliced, judged._unchanged

    def counting(old: JudgedPeriod, part: JudgedPeriod) -> JudgedPeriod:
        counted.append(len(part.indicator_ids))
        return original(old, part)

    def counting_kept(old: JudgedPeriod, part: JudgedPeriod) -> bool:
        kept = same(old, part)
        if kept:
            counted.append(len(part.indicator_ids))
        return kept

    monkeypatch.setattr(judged, "_spliced", counting)
    monkeypatch.setattr(judged, "_unchanged", counting_kept)
    monkeypatch.setattr(judged, "MOST_SPLICED", 1.0)  # a plan of six indicators: splice whatever is touched
    return counted


def test_a_spliced_judged_period_equals_a_fresh_one_after_any_writes(
    world_and_factory: tuple[World, sessionmaker[Session]], splices: list[int], patched_states: list[int],
    patched_lines: list[int],
) -> None:  # fmt: skip
    world, factory = world_and_factory
    writes = []

    @settings(
        max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate]
    )
    @given(operations=OPERATIONS, include_submitted=st.booleans(), carry_forward=st.booleans())
    def office_work(operations: list[tuple[str, str, str, int, int]], include_submitted: bool,
                    carry_forward: bool) -> None:  # fmt: skip
        basis = Basis(include_submitted=include_submitted, carry_forward=carry_forward)
        for round_, op in enumerate(operations):
            with factory() as session, session.begin():
                _apply(session, world, op, round_)
            writes.append(op)
            with factory() as session:
                kept = judged_period(session=session, plan_row=world.plan_row, month=6, basis=basis)
                with bypassed():
                    fresh = judged_period(session=session, plan_row=world.plan_row, month=6, basis=basis)
                assert_same(kept, fresh), (round_, op, operations[:round_])
                assert_same_states(session, world.periods[5].id)
                assert_same_lines(session, world, basis)

    office_work()
    assert len(writes) > 1000 and len(splices) > 100, (len(writes), len(splices))
    assert len(patched_states) > 100, len(patched_states)
    # fewer than the splices (59 in one run): a period kept as it was and a whole judgement patch no lines
    assert len(patched_lines) > 20, len(patched_lines)


def assert_same_lines(session: Session, world: World, basis: Basis) -> None:
    """The city lines, those of the rows judged again made anew over the lines before, equal lines made whole."""
    kept = summary._lines(session=session, plan_row=world.plan_row, month=6, basis=basis)
    with bypassed():
        fresh = summary._lines(session=session, plan_row=world.plan_row, month=6, basis=basis)
    assert kept.lines == fresh.lines
    np.testing.assert_array_equal(kept.columns, fresh.columns)


@pytest.fixture
def patched_lines(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the city lines were patched (the judged period spliced) rather than made whole."""
    counted: list[int] = []
    original = summary._lines_patched

    def counting(**arguments: Any) -> Any:
        counted.append(len(arguments["rows"]))
        return original(**arguments)

    monkeypatch.setattr(summary, "_lines_patched", counting)
    return counted


def assert_same_states(session: Session, period_id: int) -> None:
    """The period's entry states patched after the writes are those read afresh, still in indicator order.

    Drafts left out: a draft saved as a draft moves no counter (`persistence.generation`), so a remembered
    value need not hold it; 报送情况 counts it as not reported either way."""
    kept = entry_states(session=session, period_id=period_id)
    with bypassed():
        fresh = entry_states(session=session, period_id=period_id)
    assert _not_drafts(kept) == _not_drafts(fresh)
    assert all((part[:, 0] == indicator).all() for indicator, part in kept.by_indicator.items())
    skip = sorted(kept.by_indicator)[:1]  # as 报送情况 leaves out the indicators fed from the ledger
    assert _tally_not_drafts(kept, skip) == _tally_not_drafts(fresh, skip)  # patched, not recounted
    assert sorted(map(tuple, kept.submitted.tolist())) == sorted(map(tuple, fresh.submitted.tolist()))


def _not_drafts(states: EntryStates) -> list[tuple[int, ...]]:
    every = np.concatenate([np.zeros((0, 3), dtype=np.int64), *states.by_indicator.values()])
    rows = every[every[:, 2] != list(EntryState).index(EntryState.DRAFT)]
    return sorted(map(tuple, rows.tolist()))


def _tally_not_drafts(states: EntryStates, skip: list[int]) -> dict[int, dict[EntryState, int]]:
    tally = {unit: {s: n for s, n in counts.items() if s is not EntryState.DRAFT} for unit, counts in
             states.tally(skip).items()}  # fmt: skip
    return {unit: counts for unit, counts in tally.items() if counts}


@pytest.fixture
def patched_states(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the entry states were patched rather than read whole."""
    counted: list[int] = []
    original = EntryStates.refreshed

    def counting(self: EntryStates, *, session: Session, since: Generation) -> EntryStates | None:
        patched = original(self, session=session, since=since)
        if patched is not None:
            counted.append(sum(map(len, patched.by_indicator.values())))
        return patched

    monkeypatch.setattr(EntryStates, "refreshed", counting)
    return counted


def _second_server(url: str) -> str:
    """The same store under another URL: a second server's cache (keyed by the URL) is its own."""
    if url.startswith("sqlite"):
        head, _, name = url.rpartition("/")
        return f"{head}/./{name}"
    return f"{url}{'&' if '?' in url else '?'}application_name=second"


def test_a_second_server_sees_an_approval_made_on_the_first(
    world_and_factory: tuple[World, sessionmaker[Session]], db_url: str, splices: list[int],
) -> None:  # fmt: skip
    world, first = world_and_factory
    engine = make_engine(_second_server(db_url))
    second, basis = session_factory(engine), Basis()
    with first() as one, second() as other:
        before = judged_period(session=other, plan_row=world.plan_row, month=6, basis=basis)
        assert judged_period(session=one, plan_row=world.plan_row, month=6, basis=basis) is not before
    for _ in ("save", "submit", "approve"):
        with first() as session, session.begin():
            _apply(session, world, ("advance", "L02-1", "镇雄县", 6, 7), 0)
    with second() as session:
        after = judged_period(session=session, plan_row=world.plan_row, month=6, basis=basis)
        with bypassed():
            assert_same(after, judged_period(session=session, plan_row=world.plan_row, month=6, basis=basis))
    row, unit = list(before.indicator_ids).index(world.rows["L02-1"].id), before.units.names.index("镇雄县")
    assert np.isnan(before.result.value[row, unit]) and after.result.value[row, unit] == 607
    assert splices == [3]  # on the second server: L02-1, the formula over it and its other operand, alone
    engine.dispose()


def test_an_approval_of_june_leaves_may_judged_and_summed_up_as_it_was(
    world_and_factory: tuple[World, sessionmaker[Session]],
    splices: list[int],
) -> None:
    world, factory = world_and_factory
    basis, today = Basis(), date(2026, 6, 10)
    for month in (5, 6):
        for _ in ("save", "submit", "approve"):
            with factory() as session, session.begin():
                _apply(session, world, ("advance", "L02-1", "镇雄县", month, 3), 0)

    def seen(session: Session, month: int) -> tuple[JudgedPeriod, DashboardSummary, LastYear]:
        return (judged_period(session=session, plan_row=world.plan_row, month=month, basis=basis),
                remembered_summary(session=session, plan_row=world.plan_row, month=month, today=today, basis=basis),
                last_year(session=session, plan_row=world.plan_row))  # fmt: skip

    with factory() as session:
        may, june = seen(session, 5), seen(session, 6)
    for _ in ("save", "submit", "approve"):  # another county's June figure approved
        with factory() as session, session.begin():
            _apply(session, world, ("advance", "L02-1", "昭阳区", 6, 8), 1)
    with factory() as session:
        may_after, june_after = seen(session, 5), seen(session, 6)
        with bypassed():
            assert_same(
                may_after[0], judged_period(session=session, plan_row=world.plan_row, month=5, basis=basis)
            )
    assert [a is b for a, b in zip(may, may_after, strict=True)] == [
        True
    ] * 3  # the very objects: nothing judged again
    assert june_after[0] is not june[0] and june_after[1] is not june[1]
    untouched = [
        i for i, line in enumerate(june[1].indicators) if line.indicator.id in ("L03-1", "M-1", "E-1")
    ]
    assert [june_after[1].indicators[i] is june[1].indicators[i] for i in untouched] == [
        True
    ] * 3  # not made anew
    row, unit = list(june[0].indicator_ids).index(world.rows["L02-1"].id), june[0].units.names.index("昭阳区")
    assert np.isnan(june[0].result.value[row, unit]) and not np.isnan(june_after[0].result.value[row, unit])


def test_a_corrected_figure_approved_copies_only_the_arrays_it_changed(
    world_and_factory: tuple[World, sessionmaker[Session]], splices: list[int],
) -> None:  # fmt: skip
    world, factory = world_and_factory
    basis = Basis()
    for round_ in range(4):  # approved, then corrected (a draft again), submitted and approved once more
        with factory() as session, session.begin():
            _apply(session, world, ("advance", "L02-1", "镇雄县", 6, 3), round_)
        with factory() as session:
            before = judged_period(session=session, plan_row=world.plan_row, month=6, basis=basis)
    for round_ in range(4, 6):
        with factory() as session, session.begin():
            _apply(session, world, ("advance", "L02-1", "镇雄县", 6, 3), round_)
    with factory() as session:
        after = judged_period(session=session, plan_row=world.plan_row, month=6, basis=basis)
        with bypassed():
            assert_same(after, judged_period(session=session, plan_row=world.plan_row, month=6, basis=basis))
    assert splices, "brought up to date, not judged whole"
    row, unit = list(after.indicator_ids).index(world.rows["L02-1"].id), after.units.names.index("镇雄县")
    assert (before.result.value[row, unit], after.result.value[row, unit]) == (603, 606)
    shared = (after.frame.indicator is before.frame.indicator, after.frame.unit is before.frame.unit,
              after.frame.target is before.frame.target, after.reporting_cells is before.reporting_cells,
              after.carried.month is before.carried.month, after.result.expected is before.result.expected)  # fmt: skip
    assert shared == (True,) * 6  # the same cells with another figure: only the arrays holding it are new


def test_an_approval_of_june_judges_nothing_of_may_again(
    world_and_factory: tuple[World, sessionmaker[Session]], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, factory = world_and_factory
    basis = Basis()
    for month in (5, 6):
        for _ in ("save", "submit", "approve"):
            with factory() as session, session.begin():
                _apply(session, world, ("advance", "L02-1", "镇雄县", month, 3), 0)
    with factory() as session:
        may, june = (
            judged_period(session=session, plan_row=world.plan_row, month=m, basis=basis) for m in (5, 6)
        )
    judged_months: list[int] = []
    judge = judged._judge_from_store

    def counted(**arguments: Any) -> JudgedPeriod:
        judged_months.append(arguments["month"])
        return judge(**arguments)

    monkeypatch.setattr(judged, "_judge_from_store", counted)
    for _ in ("save", "submit", "approve"):  # another county's June figure approved
        with factory() as session, session.begin():
            _apply(session, world, ("advance", "L02-1", "昭阳区", 6, 8), 1)
    with factory() as session:
        after = [
            judged_period(session=session, plan_row=world.plan_row, month=m, basis=basis) for m in (5, 6)
        ]
    assert after[0] is may and after[1] is not june
    assert judged_months == [6]  # June's touched indicators alone; May's not read again


def test_an_approval_of_june_reads_no_entry_state_of_may_again(
    world_and_factory: tuple[World, sessionmaker[Session]], monkeypatch: pytest.MonkeyPatch
) -> None:
    world, factory = world_and_factory
    may, june = world.periods[4].id, world.periods[5].id
    # another indicator's June figure, whose entries the approval leaves as they are
    for _ in ("save", "submit"):
        with factory() as session, session.begin():
            _apply(session, world, ("advance", "L05-1", "镇雄县", 6, 4), 0)
    with factory() as session:
        before = [entry_states(session=session, period_id=period) for period in (may, june)]
    read: list[int] = []
    reading = EntryStates.read.__func__  # type: ignore[attr-defined]

    def counted(cls: type[EntryStates], *, session: Session, period_id: int, **more: Any) -> EntryStates:
        read.append(period_id)
        return reading(cls, session=session, period_id=period_id, **more)

    for _ in ("save", "submit", "approve"):
        with factory() as session, session.begin():
            _apply(session, world, ("advance", "L02-1", "昭阳区", 6, 8), 1)
    monkeypatch.setattr(EntryStates, "read", classmethod(counted))
    with factory() as session:
        after = [entry_states(session=session, period_id=period) for period in (may, june)]
    assert after[0] is before[0] and after[1] is not before[1]
    assert read == [june]  # June's touched indicator read again; nothing of May's
    touched = world.rows["L02-1"].id
    shared = [after[1].by_indicator[i] is rows for i, rows in before[1].by_indicator.items() if i != touched]
    assert shared and all(shared)  # the other indicators' entries not copied (0.45 M rows on a province)
    with factory() as session:
        assert_same_states(session, june)
