"""The one lock rule, as a table: who may take which step on which figure, before and after the deadline and lock."""

from __future__ import annotations

from datetime import date

import pytest

from duban.services.entries import PeriodClosed, approve, return_entry, submit, submit_entries
from duban.services.evidence import add_evidence
from duban.services.locks import Step, lock_refusal
from duban.services.periods import lock_period, reopen_period
from services.test_entries import JUNE_10, make_world

LATE = date(2026, 6, 28)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _figure(session, world, state: str):
    """镇雄县's roads figure for June in `state`, moved there on 10 June."""
    entry = world.save(session, "L02-1", value="370")
    if state in ("submitted", "approved", "returned"):
        submit(session=session, entry=entry, writer=world.writer("zhenxiong"))
    if state == "approved":
        approve(session=session, entry=entry, writer=world.writer("admin"))
    if state == "returned":
        return_entry(session=session, entry=entry, writer=world.writer("admin"), reason="与台账不符")
    return entry


@pytest.mark.parametrize(
    ("state", "who", "today", "locked", "step", "refused"),
    [
        ("draft", "zhenxiong", JUNE_10, False, Step.SUBMIT, None),
        ("draft", "zhenxiong", LATE, False, Step.SUBMIT, "截止"),
        ("draft", "zhenxiong", LATE, False, Step.EVIDENCE, "截止"),
        ("draft", "admin", LATE, False, Step.SUBMIT, None),  # the office is held only to the lock
        ("draft", "admin", JUNE_10, True, Step.SUBMIT, "已锁定"),
        ("returned", "zhenxiong", LATE, False, Step.EDIT, None),  # the return reopens this figure
        ("returned", "zhenxiong", LATE, False, Step.SUBMIT, None),
        ("returned", "zhenxiong", LATE, False, Step.EVIDENCE, None),
        ("returned", "zhenxiong", LATE, True, Step.SUBMIT, "已锁定"),  # …but not through a lock
        ("submitted", "admin", LATE, False, Step.REVIEW, None),
        ("submitted", "admin", JUNE_10, True, Step.REVIEW, "已锁定"),
        ("approved", "zhenxiong", JUNE_10, False, Step.EVIDENCE, "佐证材料不能再增删"),
        ("approved", "admin", JUNE_10, False, Step.EVIDENCE, "佐证材料不能再增删"),
        ("approved", "zhenxiong", JUNE_10, False, Step.EDIT, None),  # a correction, with a reason
    ],
)  # fmt: skip
def test_the_lock_rule(session, state, who, today, locked, step, refused):
    world = make_world(session)
    entry = _figure(session, world, state)
    if locked:
        lock_period(session=session, period=world.periods[5], user_id=None, today=today)
    reason = lock_refusal(session=session, period=world.periods[5], unit_id=entry.unit_id, entry=entry,
                          writer=world.writer(who, today), step=step)  # fmt: skip
    assert (reason is None) if refused is None else (refused in (reason or ""))


def test_after_the_deadline_a_unit_submits_its_returned_figure_and_its_other_drafts_are_kept_back(session):
    world = make_world(session)
    returned = _figure(session, world, "returned")
    draft = world.save(session, "L03-1", numerator="36", denominator="48")
    world.save(session, "L02-1", value="365", today=LATE, version=returned.version)
    done = submit_entries(session=session, plan_row=world.plan_row, unit_id=returned.unit_id,
                          period=world.periods[5], writer=world.writer("zhenxiong", LATE))  # fmt: skip
    assert [e.id for e in done.submitted] == [returned.id] and [e.id for e, _ in done.kept] == [draft.id]
    assert (returned.state, returned.return_reason, draft.state) == ("submitted", "与台账不符", "draft")
    with pytest.raises(PeriodClosed, match="截止"):
        submit_entries(session=session, plan_row=world.plan_row, unit_id=returned.unit_id,
                       period=world.periods[5], writer=world.writer("zhenxiong", LATE))  # fmt: skip


def test_locking_ends_running_reopenings_and_a_unit_reopening_passes_the_lock_for_that_unit_only(session):
    world = make_world(session)
    june, zhenxiong = world.periods[5], world.units["镇雄县"].id
    reopen_period(session=session, period=june, user_id=None, reason="补报", today=LATE, unit_id=zhenxiong)
    lock_period(session=session, period=june, user_id=None, today=LATE)
    with pytest.raises(PeriodClosed, match="已锁定"):
        world.save(session, "L02-1", value="370", today=LATE)
    reopen_period(session=session, period=june, user_id=None, reason="更正", today=LATE, unit_id=zhenxiong)
    assert june.locked and world.save(session, "L02-1", value="370", today=LATE).value == 370
    with pytest.raises(PeriodClosed, match="已锁定"):
        world.save(session, "L02-1", unit="昭阳区", who="zhaoyang", value="250", today=LATE)


def test_evidence_of_an_approved_figure_is_refused_before_anything_is_stored(session, tmp_path):
    world = make_world(session)
    entry = _figure(session, world, "approved")
    with pytest.raises(PeriodClosed, match="佐证材料不能再增删"):
        add_evidence(session=session, entry=entry, filename="补.png", content=PNG, data_dir=tmp_path,
                     max_bytes=1024, writer=world.writer("admin"))  # fmt: skip
    assert not (tmp_path / "evidence").exists()
