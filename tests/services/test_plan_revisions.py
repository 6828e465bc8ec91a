"""Loading a plan again is a plan revision: previewed, applied without losing a figure, audited, undoable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from duban.choices import RevisionState
from duban.cli import default_plan_path
from duban.demo import generate_demo_progress
from duban.persistence.models import AuditRow, EntryRow, IndicatorRow, OrgUnitRow, PeriodRow, PlanRow
from duban.persistence.revision_models import PlanRevisionRow, TargetRevisionRow
from duban.plan.model import Plan
from duban.plan.planfile import read_plan_file
from duban.plan.revision import ChangeKind
from duban.services.entries import unit_sheet
from duban.services.overview import period_overview
from duban.services.periods import reporting_status
from duban.services.plan_loading import save_plan
from duban.services.plan_revisions import (
    PlanRevisionError,
    apply_plan_revision,
    preview_plan_revision,
    undo_plan_revision,
)
from duban.services.plans import plan_from_store
from duban.services.revisions import targets_in_force
from duban.services.summary import dashboard_summary

TODAY = date(2026, 8, 10)  # July's figures are in; August (deadline the 25th) is the open month


@pytest.fixture
def demo(session: Session) -> PlanRow:
    plan = read_plan_file(default_plan_path())
    row = save_plan(session=session, plan=plan)
    generate_demo_progress(session=session, plan_row=row, plan=plan, today=TODAY)
    session.flush()
    return row


def _seed() -> Plan:
    return read_plan_file(default_plan_path())


def _revised_seed(*, target: dict[str, Decimal], removed: set[str]) -> Plan:
    """The seed plan with some targets changed and some indicators taken out."""
    data = _seed().model_dump()
    for area in data["areas"]:
        for task in area["tasks"]:
            task["indicators"] = [i | ({"target": target[i["id"]]} if i["id"] in target else {})
                                  for i in task["indicators"] if i["id"] not in removed]  # fmt: skip
    return Plan.model_validate(data)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_loading_the_same_plan_again_changes_nothing(session, demo):
    entries, audits = _count(session, EntryRow), _count(session, AuditRow)
    preview = preview_plan_revision(session=session, plan_row=demo, plan=_seed(), today=TODAY)
    assert preview.empty and preview.summary() == "与数据库中的计划相同，没有变化"
    assert (
        apply_plan_revision(
            session=session, plan_row=demo, plan=_seed(), user_id=None, reason="", today=TODAY
        )
        is None
    )
    assert (_count(session, EntryRow), _count(session, AuditRow), _count(session, PlanRevisionRow)) == (
        entries, audits, 0)  # fmt: skip


def _entries_of(session, code):
    query = (
        select(func.count())
        .select_from(EntryRow)
        .join(IndicatorRow, IndicatorRow.id == EntryRow.indicator_id)
    )
    return session.scalar(query.where(IndicatorRow.code == code))


def test_the_preview_names_each_change_and_the_figures_it_touches(session, demo):
    plan = _revised_seed(target={"A-03": Decimal(1100)}, removed={"A-14"})
    preview = preview_plan_revision(session=session, plan_row=demo, plan=plan, today=TODAY)
    changed, removed = preview.of_kind(ChangeKind.CHANGED), preview.of_kind(ChangeKind.REMOVED)
    assert [(t.change.code, [(f.label, f.old, f.new) for f in t.change.fields]) for t in changed] == [
        ("A-03", [("目标值", "1000", "1100")])]  # fmt: skip
    assert [t.change.code for t in removed] == ["A-14"] and removed[0].retires
    assert changed[0].figures == _entries_of(session, "A-03") > 0
    assert removed[0].figures == _entries_of(session, "A-14") > 0
    assert preview.effective_month == 8 and preview.of_kind(ChangeKind.ADDED) == []
    assert preview.summary() == "修改 1 个、删除 1 个指标（其中 1 个已有数据，将停用而不删除）"


def test_applying_keeps_every_figure_and_retires_the_removed_indicator(session, demo):
    entries = _count(session, EntryRow)
    plan = _revised_seed(target={"A-03": Decimal(1100)}, removed={"A-14"})
    revision = apply_plan_revision(session=session, plan_row=demo, plan=plan, user_id=None, reason="人大批准",
                                   today=TODAY)  # fmt: skip
    assert _count(session, EntryRow) == entries
    retired = session.scalar(select(IndicatorRow).where(IndicatorRow.code == "A-14"))
    assert retired.retired_from == 8 and _entries_of(session, "A-14") > 0
    assert "A-14" not in {i.id for i in plan_from_store(session=session, plan_row=demo).indicators()}
    assert "A-14" in {i.id for i in plan_from_store(session=session, plan_row=demo, month=7).indicators()}
    assert "A-14" not in {i.id for i in plan_from_store(session=session, plan_row=demo, month=8).indicators()}
    # the new target counts from August; July is still judged against 1000
    in_force = [targets_in_force(session=session, plan_id=demo.id, month=m)[("A-03", None)] for m in (7, 8)]
    assert in_force == [Decimal(1000), Decimal(1100)]
    actions = list(session.scalars(select(AuditRow.action).where(AuditRow.entity == "plan_revision")))
    assert actions == ["plan.revise"] and revision.changes["retired"] == ["A-14"]


def test_undo_puts_the_plan_back_as_it_was(session, demo):
    before = plan_from_store(session=session, plan_row=demo)
    plan = _revised_seed(target={"A-03": Decimal(1100)}, removed={"A-14"})
    revision = apply_plan_revision(session=session, plan_row=demo, plan=plan, user_id=None, reason="人大批准",
                                   today=TODAY)  # fmt: skip
    undo_plan_revision(session=session, revision_id=revision.id, user_id=None)
    assert plan_from_store(session=session, plan_row=demo) == before
    assert session.scalar(select(IndicatorRow.retired_from).where(IndicatorRow.code == "A-14")) is None
    states = set(session.scalars(select(TargetRevisionRow.state)))
    assert states == {RevisionState.WITHDRAWN.value}
    assert targets_in_force(session=session, plan_id=demo.id, month=8) == {}
    with pytest.raises(PlanRevisionError, match="不存在或已撤销"):
        undo_plan_revision(session=session, revision_id=revision.id, user_id=None)


def test_only_the_newest_revision_can_be_undone(session, demo):
    first = apply_plan_revision(session=session, plan_row=demo, plan=_revised_seed(target={}, removed={"A-14"}),
                                user_id=None, reason="一", today=TODAY)  # fmt: skip
    apply_plan_revision(session=session, plan_row=demo, plan=_revised_seed(target={}, removed={"A-14", "A-15"}),
                        user_id=None, reason="二", today=TODAY)  # fmt: skip
    with pytest.raises(PlanRevisionError, match="最近一次"):
        undo_plan_revision(session=session, revision_id=first.id, user_id=None)


def test_an_indicator_without_figures_is_deleted_and_comes_back_on_undo(session):
    row = save_plan(session=session, plan=_seed())
    before = plan_from_store(session=session, plan_row=row)
    revision = apply_plan_revision(session=session, plan_row=row, plan=_revised_seed(target={}, removed={"A-14"}),
                                   user_id=None, reason="删除", today=TODAY)  # fmt: skip
    assert session.scalar(select(IndicatorRow).where(IndicatorRow.code == "A-14")) is None
    undo_plan_revision(session=session, revision_id=revision.id, user_id=None)
    assert plan_from_store(session=session, plan_row=row) == before
    assert session.scalar(select(IndicatorRow.retired_from).where(IndicatorRow.code == "A-14")) is None


def test_a_retired_indicator_is_not_asked_from_its_month_on_but_stays_in_history(session, demo):
    apply_plan_revision(session=session, plan_row=demo, plan=_revised_seed(target={}, removed={"A-14"}),
                        user_id=None, reason="停用", today=TODAY)  # fmt: skip
    zhaoyang = session.scalar(select(OrgUnitRow).where(OrgUnitRow.name == "昭阳区"))
    periods = {p.month: p for p in session.scalars(select(PeriodRow).where(PeriodRow.plan_id == demo.id))}

    def sheet(month):
        return {
            r.indicator.id
            for r in unit_sheet(session=session, plan_row=demo, unit=zhaoyang, period=periods[month])
        }

    def expected(month):
        status = reporting_status(session=session, plan_row=demo, period=periods[month], today=TODAY,
                                  plan=plan_from_store(session=session, plan_row=demo, month=month))  # fmt: skip
        return next(s.expected for s in status if s.unit == "昭阳区")

    def overview(month):
        lines = period_overview(session=session, plan_row=demo, month=month, today=TODAY).indicators
        return {line.indicator.id for line in lines}

    def summary(month):
        lines = dashboard_summary(session=session, plan_row=demo, month=month, today=TODAY).indicators
        return {line.indicator.id for line in lines}

    assert "A-14" in sheet(7) and "A-14" not in sheet(8)
    assert expected(7) == expected(8) + 1
    assert "A-14" in overview(7) and "A-14" not in overview(8)
    assert "A-14" in summary(7) and "A-14" not in summary(8)


@pytest.mark.parametrize(("stated", "four_eyes"), [(None, True), ({"four_eyes": False}, False)])
def test_a_reload_keeps_the_review_rules_unless_the_file_states_them(session, demo, stated, four_eyes):
    """The office turned 四眼审核 on; a plan file without `review:` leaves it on, one that says false turns it off."""
    demo.review = {"four_eyes": True}
    session.flush()
    data = _seed().model_dump(exclude={"review"}) | ({"review": stated} if stated else {})
    plan = Plan.model_validate(data)
    preview = preview_plan_revision(session=session, plan_row=demo, plan=plan, today=TODAY)
    assert [f.field for f in preview.plan_fields if f.field == "review"] == ([] if four_eyes else ["review"])
    apply_plan_revision(
        session=session, plan_row=demo, plan=plan, user_id=None, reason="重新导入", today=TODAY
    )
    assert plan_from_store(session=session, plan_row=demo).review.four_eyes is four_eyes


def test_rows_the_office_keeps_stay_as_stored_and_come_back_on_undo(session, demo):
    """On the diff page the office keeps A-03's stored target and the removed A-14; A-09's change is applied."""
    before = plan_from_store(session=session, plan_row=demo)
    plan = _revised_seed(target={"A-03": Decimal(1100), "A-09": Decimal(999)}, removed={"A-14"})
    preview = preview_plan_revision(
        session=session, plan_row=demo, plan=plan, today=TODAY, keep=["A-03", "A-14"]
    )
    assert [t.change.code for t in preview.changes] == ["A-09"]
    revision = apply_plan_revision(session=session, plan_row=demo, plan=plan, user_id=None, reason="人大批准",
                                   today=TODAY, keep=["A-03", "A-14"])  # fmt: skip
    stored = {i.id: i for i in plan_from_store(session=session, plan_row=demo).indicators()}
    assert stored["A-03"].target == Decimal(1000) and stored["A-09"].target == Decimal(999)
    assert "A-14" in stored and session.scalar(
        select(IndicatorRow.retired_from).where(IndicatorRow.code == "A-14")) is None  # fmt: skip
    audit = session.scalars(select(AuditRow).where(AuditRow.entity == "plan_revision")).one()
    assert audit.new["kept"] == ["A-03", "A-14"]
    undo_plan_revision(session=session, revision_id=revision.id, user_id=None)
    assert plan_from_store(session=session, plan_row=demo) == before
