"""One audit mechanism: a scope names who, what and why; a session event records every audited row it changes."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from duban.persistence.audit import audited
from duban.persistence.models import AuditRow, EntryRow
from duban.services.change_history import indicator_history
from duban.services.entries import (
    ConflictError,
    approve,
    cell_history,
    figure_as_of,
    record_value,
    submit,
    unconfirmed_warnings,
)
from services.test_entries import World, make_world

D = Decimal


@pytest.fixture
def world(session):
    return make_world(session)


def _trail(session, entry_id):
    query = select(AuditRow).where(AuditRow.entity == "entry", AuditRow.entity_id == entry_id)
    return [
        (r.action, r.user_id, r.old, r.new, r.reason) for r in session.scalars(query.order_by(AuditRow.id))
    ]


def test_each_step_of_a_figure_is_one_row_with_the_values_before_and_after(session, world: World):
    entry = world.save(session, "L02-1", value="370")
    world.save(session, "L02-1", value="365", note="按统计局口径")
    submit(session=session, entry=entry, writer=world.writer("zhenxiong"))
    approve(session=session, entry=entry, writer=world.writer("admin"))
    figure = {"numerator": None, "denominator": None, "stage": None, "stage_date": None}
    li, zhang = world.users["zhenxiong"], world.users["admin"]
    assert _trail(session, entry.id) == [
        ("entry.record", li, None, {"value": "370", **figure, "note": None, "state": "draft"}, None),
        ("entry.record", li, {"value": "370", **figure, "note": None},
         {"value": "365", **figure, "note": "按统计局口径"}, None),
        ("entry.submit", li, {"value": "365", **figure, "note": "按统计局口径", "state": "draft"},
         {"value": "365", **figure, "note": "按统计局口径", "state": "submitted"}, None),
        ("entry.approve", zhang, {"value": "365", **figure, "note": "按统计局口径", "state": "submitted"},
         {"value": "365", **figure, "note": "按统计局口径", "state": "approved"}, None),
    ]  # fmt: skip


def test_a_record_changed_twice_in_one_scope_is_one_row_from_first_to_last(session, world: World):
    entry = world.save(session, "L02-1", value="370")
    with audited(session, actor=world.users["admin"], action="entry.record", reason="两次改动"):
        entry.value = D(371)
        session.flush()
        entry.value = D(372)
    assert _trail(session, entry.id)[-1][2:] == (
        {
            "value": "370",
            "numerator": None,
            "denominator": None,
            "stage": None,
            "stage_date": None,
            "note": None,
        },
        {
            "value": "372",
            "numerator": None,
            "denominator": None,
            "stage": None,
            "stage_date": None,
            "note": None,
        },
        "两次改动",
    )


def test_a_change_made_outside_any_scope_is_still_recorded_without_an_actor(session, world: World):
    entry = world.save(session, "L02-1", value="370")
    entry.note = "直接改库"
    session.flush()
    session.flush()  # the audit row itself
    action, user, old, new, _reason = _trail(session, entry.id)[-1]
    assert (action, user, old["note"], new["note"]) == ("entry.change", None, None, "直接改库")


def test_the_value_a_change_replaces_is_known_even_after_the_row_was_expired(session, world: World):
    entry = world.save(session, "L02-1", value="370")
    session.expire(entry)  # as a commit does
    with audited(session, actor=None, action="entry.record"):
        entry.value = D(380)
    assert _trail(session, entry.id)[-1][2]["value"] == "370"


def test_a_refused_change_leaves_no_row(session, world: World):
    entry = world.save(session, "L02-1", value="370")
    before = len(_trail(session, entry.id))
    with pytest.raises(ConflictError):
        record_value(session=session, indicator_id=entry.indicator_id, unit_id=entry.unit_id,
                     period_id=entry.period_id, user_id=None, value=D(1), expected_version=99)  # fmt: skip
    assert len(_trail(session, entry.id)) == before


def test_the_history_an_earlier_release_wrote_still_reads(session, world: World):
    """Rows as the release before the one mechanism wrote them: each call site chose its own payload."""
    entry = EntryRow(indicator_id=world.rows["L02-1"].id, unit_id=world.units["镇雄县"].id,
                     period_id=world.periods[5].id, value=D(365), official_value=D(365), state="approved")  # fmt: skip
    session.add(entry)
    session.flush()
    li, zhang = world.users["zhenxiong"], world.users["admin"]
    figures = {"value": "365", "numerator": None, "denominator": None, "stage": None, "stage_date": None,
               "note": "口径调整"}  # fmt: skip

    def row(action, user, day, old, new, reason=None):
        at = datetime(2026, 6, day, 2, tzinfo=UTC)
        return {"at": at, "user_id": user, "action": action, "entity": "entry", "entity_id": entry.id,
                "old": old, "new": new, "reason": reason}  # fmt: skip

    session.execute(insert(AuditRow), [
        row("entry.record", li, 8, None, {**figures, "value": "370", "note": None, "warnings": [["value", "偏高"]]}),
        row("entry.record", li, 9, {**figures, "value": "370", "note": None}, {**figures, "confirmed": True}),
        row("entry.submit", li, 9, {"state": "draft"}, {"state": "submitted", **figures}),
        row("evidence.add", li, 9, None, {"evidence_id": 7, "filename": "台账.pdf", "sha256": "ab", "size": 3}),
        row("entry.approve", zhang, 10, {"state": "submitted"}, {"state": "approved", **figures}),
    ])  # fmt: skip
    drafted = figure_as_of(session=session, entry_id=entry.id, on=date(2026, 6, 8), official=False)
    assert drafted is not None and drafted.pop("at").day == 8
    assert drafted == {"value": "370", "numerator": None, "denominator": None, "stage": None, "note": None,
                       "state": "draft"}  # fmt: skip
    assert figure_as_of(session=session, entry_id=entry.id, on=date(2026, 6, 9)) is None
    assert figure_as_of(session=session, entry_id=entry.id, on=date(2026, 6, 10))["value"] == "365"
    steps = cell_history(session=session, entry_id=entry.id)
    assert [(s["action_label"], s["user"], (s["old"] or {}).get("state")) for s in steps] == [
        ("填报", "镇雄李四", None), ("填报", "镇雄李四", None), ("提交", "镇雄李四", "draft"),
        ("evidence.add", "镇雄李四", None), ("审核通过", "督查室张三", "submitted"),
    ]  # fmt: skip
    lines = indicator_history(session=session, indicator_id=world.rows["L02-1"].id)
    assert [(line.action, line.unit, line.month) for line in lines][-1] == ("填报", "镇雄县", 6)
    assert unconfirmed_warnings(session=session, entry=entry) == []  # the last record confirmed them
