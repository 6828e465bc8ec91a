"""Generation counters and remembered read models: a cached judged period is never stale.

The table says which writes move which counter; the property test makes random office work (drafts,
submissions, approvals, returns, target revisions, a second session writing behind the cache's back)
and after every step compares the remembered dashboard and overview with a fresh computation.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, event, select, update
from sqlalchemy.orm import Session, sessionmaker

from duban.persistence import readcache
from duban.persistence.generation import Generation, current, touched_since
from duban.persistence.models import EntryRow, GenerationRow
from duban.persistence.readcache import bypassed, remembered
from duban.services.backup import backup, restore
from duban.services.entries import approve, return_entry, submit, submit_entries
from duban.services.office import Basis
from duban.services.overview import period_overview
from duban.services.revisions import revise_target
from duban.services.summary import dashboard_summary
from duban.settings import Settings
from services.test_entries import JUNE_10, World, make_world


@pytest.fixture
def world_and_factory(factory: sessionmaker[Session]) -> tuple[World, sessionmaker[Session]]:
    with factory() as session, session.begin():
        world = make_world(session)
    return world, factory


def _moved(factory: sessionmaker[Session], step: Any) -> tuple[bool, bool]:
    with factory() as session:
        before = current(session=session)
    with factory() as session, session.begin():
        step(session)
    with factory() as session:
        after = current(session=session)
    return after.figures != before.figures, after.states != before.states


def _entry(session: Session, code: str, world: World) -> EntryRow:
    return session.scalars(select(EntryRow).where(EntryRow.indicator_id == world.rows[code].id)).one()


def test_which_writes_move_which_counter(world_and_factory: tuple[World, sessionmaker[Session]]) -> None:
    world, factory = world_and_factory
    office, reporter = world.writer("admin"), world.writer("zhenxiong")
    steps = [
        ("a new draft", lambda s: world.save(s, "L02-1", value="300"), (False, False)),
        ("the draft edited", lambda s: world.save(s, "L02-1", value="310"), (False, False)),
        (
            "submitted",
            lambda s: submit(session=s, entry=_entry(s, "L02-1", world), writer=reporter),
            (False, True),
        ),
        (
            "returned",
            lambda s: return_entry(
                session=s, entry=_entry(s, "L02-1", world), writer=office, reason="请核实"
            ),
            (False, True),
        ),
        ("corrected as a draft", lambda s: world.save(s, "L02-1", value="320"), (False, True)),
        (
            "submitted again",
            lambda s: submit(session=s, entry=_entry(s, "L02-1", world), writer=reporter),
            (False, True),
        ),
        (
            "approved",
            lambda s: approve(session=s, entry=_entry(s, "L02-1", world), writer=office),
            (True, True),
        ),
        (
            "a target revised",
            lambda s: revise_target(
                session=s,
                indicator_id=world.rows["L02-1"].id,
                unit_id=None,
                new_value=Decimal(800),
                effective_month=6,
                reason="调整",
                user_id=None,
            ),
            (True, True),
        ),
        ("an UPDATE statement", lambda s: s.execute(update(EntryRow).values(note="批量")), (True, True)),
        ("nothing written", lambda s: s.scalars(select(EntryRow)).all(), (False, False)),
    ]
    for label, step, expected in steps:
        assert _moved(factory, step) == expected, label


def test_a_failed_transaction_moves_nothing(world_and_factory: tuple[World, sessionmaker[Session]]) -> None:
    world, factory = world_and_factory
    with factory() as session:
        before = current(session=session)
    with pytest.raises(RuntimeError), factory() as session, session.begin():
        world.save(session, "L02-1", value="300")
        submit(session=session, entry=_entry(session, "L02-1", world), writer=world.writer("zhenxiong"))
        approve(session=session, entry=_entry(session, "L02-1", world), writer=world.writer("admin"))
        raise RuntimeError("the request failed after writing")
    with factory() as session:
        assert current(session=session) == before


def test_a_store_without_counters_is_never_remembered(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    _, factory = world_and_factory
    with factory() as session, session.begin():
        session.execute(GenerationRow.__table__.delete())
    calls = []
    with factory() as session:
        for _ in range(2):
            remembered(session=session, key=("t",), compute=lambda: calls.append(1))
        assert current(session=session) == Generation(-1, -1)
    assert len(calls) == 2


# -- property: remembered == fresh after every step ----------------------------------------------------

OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["advance"] * 5 + ["save", "submit", "approve", "return", "revise", "behind"]),
              st.sampled_from(["L02-1", "L02-1", "L03-1"]), st.sampled_from(["镇雄县", "镇雄县", "昭阳区"]),
              st.integers(min_value=1, max_value=9)),
    min_size=4, max_size=16,
)  # fmt: skip


def _apply(session: Session, world: World, op: tuple[str, str, str, int], round_: int) -> None:
    kind, code, unit, n = op
    who = "zhenxiong" if unit == "镇雄县" else "zhaoyang"
    entry = session.scalars(select(EntryRow).where(EntryRow.indicator_id == world.rows[code].id,
                                                   EntryRow.unit_id == world.units[unit].id)).first()  # fmt: skip
    raw = {"value": str(100 * n + round_)} if code == "L02-1" else {"numerator": str(n), "denominator": "10"}
    if kind == "advance":  # the cell's next step in the workflow
        kind = {"draft": "submit", "submitted": "approve", "approved": "behind"}.get(
            entry.state if entry else "", "save"
        )
    if kind == "save" and (entry is None or entry.state in ("draft", "returned")):
        world.save(session, code, unit=unit, who=who, version=entry.version if entry else None, confirmed=True,
                   note="按计划推进", **raw)  # fmt: skip
    elif kind == "submit" and entry is not None and entry.state == "draft":
        submit(session=session, entry=entry, writer=world.writer(who))
    elif kind == "approve" and entry is not None and entry.state == "submitted":
        approve(session=session, entry=entry, writer=world.writer("admin"))
    elif kind == "return" and entry is not None and entry.state == "submitted":
        return_entry(session=session, entry=entry, writer=world.writer("admin"), reason="请核实")
    elif kind == "revise":
        revise_target(session=session, indicator_id=world.rows[code].id, unit_id=world.units[unit].id,
                      new_value=Decimal(500 + n) if code == "L02-1" else Decimal(60 + n), effective_month=6,
                      reason="调整", user_id=None)  # fmt: skip
    elif kind == "behind" and entry is not None and entry.state == "approved":
        # a late correction by hand, straight through SQL: no workflow function, still seen
        session.execute(update(EntryRow).where(EntryRow.id == entry.id)
                        .values(official_value=entry.official_value + 1 if entry.official_value else None))  # fmt: skip


def _face(view: Any) -> Any:
    """What a page shows of a judged period."""
    return ([(line.indicator.id, line.figure, line.judgement) for line in view.indicators], view.rankings,
            view.reporting)  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(operations=OPERATIONS, include_submitted=st.booleans())
def test_remembered_views_equal_a_fresh_computation_after_any_writes(
    world_and_factory: tuple[World, sessionmaker[Session]], operations: list[tuple[str, str, str, int]],
    include_submitted: bool,
) -> None:  # fmt: skip
    world, factory = world_and_factory
    basis = Basis(include_submitted=include_submitted)
    for round_, op in enumerate(operations):
        with factory() as session, session.begin():
            _apply(session, world, op, round_)
        with factory() as session:
            for name, build in (("summary", dashboard_summary), ("overview", period_overview)):

                def fresh(build: Any = build) -> Any:
                    return build(
                        session=session, plan_row=world.plan_row, month=6, basis=basis, today=JUNE_10
                    )

                kept = remembered(
                    session=session, key=(name, world.plan_row.id, 6, basis, JUNE_10), compute=fresh
                )
                with bypassed():  # nothing remembered is used, the judged core included
                    assert _face(kept) == _face(fresh()), (name, op)


def test_a_restore_under_a_running_server_never_brings_back_what_it_remembered_before(
    world_and_factory: tuple[World, sessionmaker[Session]], engine: Engine, db_url: str, tmp_path: Path,
) -> None:  # fmt: skip
    """A restore puts back the counters of the backup's day; the same number of writes after it must not reach a
    generation under which the running server filed figures of the timeline the restore undid."""
    world, factory = world_and_factory
    site = Settings(database_url=db_url, data_dir=tmp_path / "data", secret_key="k")
    summary = dashboard_summary  # what a leader's page shows

    def shown() -> tuple[Any, Any]:
        with factory() as session:

            def fresh() -> Any:
                return summary(
                    session=session, plan_row=world.plan_row, month=6, basis=Basis(), today=JUNE_10
                )

            kept = remembered(session=session, key=("restore", world.plan_row.id), compute=fresh)
            with bypassed():
                return _face(kept), _face(fresh())

    for round_ in range(3):  # saved, submitted, approved
        with factory() as session, session.begin():
            _apply(session, world, ("advance", "L02-1", "镇雄县", 3), round_)
    archive = backup(settings=site, target=tmp_path / "site.tar").path
    with factory() as session, session.begin():
        _apply(session, world, ("behind", "L02-1", "镇雄县", 3), 3)  # a late correction, after the backup
    kept, fresh = shown()
    assert kept == fresh
    with factory() as session:
        replaced = current(session=session)
    engine.dispose()
    restore(settings=site, source=archive)
    with factory() as session:
        restored = current(session=session)
    assert restored.figures > replaced.figures and restored.states > replaced.states  # beyond all it had seen
    with factory() as session, session.begin():
        _apply(session, world, ("revise", "L02-1", "镇雄县", 4), 4)  # one write again, a different one
    kept, fresh = shown()
    assert kept == fresh


# -- lagging: while one thread computes a newer `states` generation, others get the last value ----------


def _move(factory: sessionmaker[Session], name: str) -> None:
    with factory() as session, session.begin():
        session.execute(
            update(GenerationRow).where(GenerationRow.name == name).values(value=GenerationRow.value + 1)
        )


def _in_thread(factory: sessionmaker[Session], key: tuple[str, ...], compute: Any) -> tuple[Any, list[Any]]:
    """Ask for `key` on a thread of its own (lagging allowed); the thread and a list that gets its answer."""
    answer: list[Any] = []

    def ask() -> None:
        with factory() as session:
            answer.append(remembered(session=session, key=key, compute=compute, lag_states=True))

    thread = threading.Thread(target=ask)
    thread.start()
    return thread, answer


@pytest.mark.parametrize(("moved", "lags"), [("states", True), ("figures", False)])
def test_a_page_lags_one_computation_behind_reporting_states_never_behind_figures(
    world_and_factory: tuple[World, sessionmaker[Session]], moved: str, lags: bool
) -> None:
    _, factory = world_and_factory
    key = ("lagging page", moved)
    with factory() as session:
        assert remembered(session=session, key=key, compute=lambda: "before", lag_states=True) == "before"
    _move(factory, moved)
    release = threading.Event()
    slow, first = _in_thread(factory, key, lambda: release.wait(10) and "after")
    while not _computing_now(key):
        time.sleep(0.01)
    waiting, second = _in_thread(factory, key, lambda: "computed again")
    waiting.join(timeout=1 if lags else 0.3)
    assert (second == ["before"]) is lags  # a figure moved: the second waits for the first's computation
    release.set()
    slow.join(timeout=10)
    waiting.join(timeout=10)
    assert first == ["after"] and second == (["before"] if lags else ["after"])
    with factory() as session:  # once computed, the newest value for every request
        assert remembered(session=session, key=key, compute=lambda: "again", lag_states=True) == "after"


def _computing_now(key: tuple[str, ...]) -> bool:
    return any(short[1] == key for short in readcache._busy)


def test_alone_a_request_never_lags_and_a_computation_never_reads_a_lagging_value(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    _, factory = world_and_factory
    inner, outer = ("inner",), ("outer",)
    with factory() as session:
        remembered(session=session, key=inner, compute=lambda: "inner before", lag_states=True)
    _move(factory, "states")
    with factory() as session:  # nobody else computes it: the next request sees the new states at once
        assert (
            remembered(session=session, key=inner, compute=lambda: "inner after", lag_states=True)
            == "inner after"
        )
    _move(factory, "states")
    release = threading.Event()
    slow, _ = _in_thread(factory, inner, lambda: release.wait(10) and "inner newest")
    while not _computing_now(inner):
        time.sleep(0.01)

    def page() -> str:  # made of `inner`: it waits for inner's newest value rather than file a lagging one
        with factory() as session:
            return "page of " + remembered(session=session, key=inner, compute=lambda: "?", lag_states=True)

    building, built = _in_thread(factory, outer, page)
    building.join(timeout=0.3)
    assert built == []
    release.set()
    for thread in (slow, building):
        thread.join(timeout=10)
    assert built == ["page of inner newest"]


def test_a_refused_savepoint_keeps_the_counters_of_what_was_written_before_it(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    world, factory = world_and_factory
    with factory() as session, session.begin():
        world.save(session, "L02-1", value="300")
        submit(session=session, entry=_entry(session, "L02-1", world), writer=world.writer("zhenxiong"))
    with factory() as session:
        before = current(session=session)
    with factory() as session, session.begin():
        entry = _entry(session, "L02-1", world)
        entry.state, entry.official_value = "approved", Decimal(300)  # written before the savepoint
        session.flush()
        with pytest.raises(RuntimeError), session.begin_nested():
            session.execute(update(EntryRow).where(EntryRow.id == -1).values(note="x"))
            raise RuntimeError("a step refused inside its savepoint")
    with factory() as session:
        after = current(session=session)
    assert after.figures > before.figures and after.states > before.states


def test_a_units_submit_moves_the_counter_once_for_all_its_savepoints(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    world, factory = world_and_factory
    with factory() as session, session.begin():
        world.save(session, "L02-1", value="300", note="按计划推进", confirmed=True)
        world.save(session, "L03-1", numerator="30", denominator="48", note="按计划推进", confirmed=True)
    with factory() as session:
        before = current(session=session)
    with factory() as session, session.begin():
        submitted = submit_entries(session=session, plan_row=world.plan_row, unit_id=world.units["镇雄县"].id,
                                   period=world.periods[5], writer=world.writer("zhenxiong"), confirm_all=True)  # fmt: skip
        assert len(submitted.submitted) == 2  # each in a savepoint of its own
    with factory() as session:
        after = current(session=session)
    assert (after.figures - before.figures, after.states - before.states) == (0, 1)


def test_a_commit_with_a_savepoint_left_open_still_moves_the_counters(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    world, factory = world_and_factory
    with factory() as session:
        before = current(session=session)
    with factory() as session:
        session.begin_nested()
        world.save(session, "L02-1", value="300", note="按计划推进", confirmed=True)
        entry = _entry(session, "L02-1", world)
        entry.state, entry.official_value = "approved", Decimal(300)
        session.commit()
    with factory() as session:
        after = current(session=session)
    assert (after.figures - before.figures, after.states - before.states) == (1, 1)


def _counters_after_a_save(world: World, factory: sessionmaker[Session]) -> Generation:
    """L02-1 saved (a figure to submit), and the counters after it."""
    with factory() as session, session.begin():
        world.save(session, "L02-1", value="300", note="按计划推进", confirmed=True)
    with factory() as session:
        return current(session=session)


def test_the_counters_row_is_held_from_the_last_statement_before_the_commit(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    """Every submitting or approving transaction waits for the counters' row: on PostgreSQL it is taken by the
    last statement, which also writes the touch record and is sent with the COMMIT (each round trip of the
    client held it through a wait for the GIL): the transaction is committed before the session's commit asks
    the driver; on SQLite, whose lock is the store's, the touch record follows the update."""
    world, factory = world_and_factory
    before = _counters_after_a_save(world, factory)
    said: list[str] = []
    engine = factory.kw["bind"]
    listeners = (
        ("before_cursor_execute", lambda _c, _cur, statement, *_: said.append(" ".join(statement.split()))),
        ("commit", lambda c: said.append(f"COMMIT {_driver_status(c)}")),
    )
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        with factory() as session, session.begin():
            submit(session=session, entry=_entry(session, "L02-1", world), writer=world.writer("zhenxiong"))
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    if engine.dialect.name == "postgresql":
        assert said[-1] == "COMMIT IDLE" and not [s for s in said if "generation" in s]
    else:
        taking = next(n for n, s in enumerate(said) if "UPDATE generation" in s)
        assert [s.split(" (")[0] for s in said[taking + 1 :]] == ["INSERT INTO generation_touch", "COMMIT -"]
    with factory() as session:
        assert touched_since(session=session, since=before) == {world.rows["L02-1"].id}


def test_the_counters_move_sends_sql_compiled_once_not_a_statement_built_in_every_write(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    """Building and compiling the counters' statements took ~1 ms of CPU inside SQLite's write turn, which
    every other writer of the process waits for (on PostgreSQL they go to the driver as SQL compiled once)."""
    world, factory = world_and_factory
    before = _counters_after_a_save(world, factory)
    built: list[str] = []
    engine = factory.kw["bind"]

    def note(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if "generation" in statement and context.compiled is not None:
            built.append(" ".join(statement.split()[:3]))

    event.listen(engine, "before_cursor_execute", note)
    try:
        for step in (submit, return_entry):
            with factory() as session, session.begin():
                entry, writer = _entry(session, "L02-1", world), world.writer("zhenxiong")
                step(
                    session=session,
                    entry=entry,
                    writer=writer,
                    **({"reason": "请复核"} if step is return_entry else {}),
                )
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert built == []
    with factory() as session:
        after = current(session=session)
        assert (after.figures, after.states) == (before.figures, before.states + 2)
        assert touched_since(session=session, since=before) == {world.rows["L02-1"].id}


def _driver_status(connection: Connection) -> str:
    """PostgreSQL: the driver's transaction status (IDLE: none open); elsewhere '-'."""
    info = getattr(connection.connection.dbapi_connection, "info", None)
    return info.transaction_status.name if info is not None else "-"


def test_a_value_at_a_newer_generation_replaces_the_older_ones_of_its_key(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    _, factory = world_and_factory
    for moved in ("figures", "states", "figures"):
        with factory() as session:
            remembered(session=session, key=("superseded",), compute=lambda: object())
            remembered(session=session, key=("figures only",), states=False, compute=lambda: object())
            remembered(session=session, key=("another",), compute=lambda: object())
        _move(factory, moved)
    with factory() as session:
        remembered(session=session, key=("superseded",), compute=lambda: object())
        remembered(session=session, key=("figures only",), states=False, compute=lambda: object())
    kept = [full[1] for values in readcache._values.values() for full in values]
    assert kept.count(("superseded",)) == 1 and kept.count(("figures only",)) == 1
    assert kept.count(("another",)) == 1  # its newest value, until the cache needs the place


def test_values_remembered_per_unit_never_push_a_judged_period_out(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    """Each kind of value keeps its own places: a province's 1,646 reporters' to-dos (one value per unit) leave the
    judged period the leaders' pages are made of where it is."""
    _, factory = world_and_factory
    judged: list[int] = []
    with factory() as session:
        for _ in range(2):
            remembered(session=session, key=("judged period", 6), compute=lambda: judged.append(6) or judged)
            for unit in range(3 * readcache.CAPACITY):
                remembered(session=session, key=("reporter missing", unit), compute=lambda: object())
    assert judged == [6]  # computed once, asked twice
    assert len(readcache._values["reporter missing"]) == readcache.CAPACITY


def test_a_pinned_computation_reads_the_touch_record_once_and_answers_as_a_fresh_read(
    world_and_factory: tuple[World, sessionmaker[Session]],
) -> None:
    """Within one remembered computation (its session pinned to the generation it is filed under) the touch
    record is read by one statement for every question whose `since` it covers; each answer is a fresh read's."""
    world, factory = world_and_factory
    steps = [("L02-1", 5, {"value": "300"}), ("L03-1", 6, {"numerator": "30", "denominator": "48"})]
    generations = []
    for code, month, figure in steps:
        with factory() as session:
            generations.append(current(session=session))
        with factory() as session, session.begin():
            entry = world.save(session, code, month=month, note="按计划推进", confirmed=True, today=date(2026, month, 10),
                               **figure)  # fmt: skip
            submit(session=session, entry=entry, writer=world.writer("zhenxiong", date(2026, month, 10)))
    may, june = (world.periods[m - 1].id for m in (5, 6))
    questions = [dict(since=since, states=states, up_to_month=month, period_id=period)
                 for since in reversed(generations) for states in (True, False) for month in (None, 5)
                 for period in (None, may, june)]  # fmt: skip
    with factory() as session:
        fresh = [touched_since(session=session, **question) for question in questions]
    assert (
        fresh[0] == {world.rows["L03-1"].id} and fresh[1] == set()
    )  # June's after the second step; not May's
    statements: list[str] = []
    engine = factory.kw["bind"]
    listener = lambda _c, _cur, statement, *_: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        with factory() as session:
            remembered(session=session, key=("pinned",),
                       compute=lambda: [touched_since(session=session, **question) for question in questions])  # fmt: skip
            pinned = next(v for k, v in readcache._values["pinned"].items() if k[1] == ("pinned",))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert pinned == fresh
    assert (
        sum("generation_touch" in s for s in statements) == 2
    )  # the newer `since` first, then the older one
