"""A plan revision that changes which indicator one continues (last year's) or rolls up into (the plan above's):
the office sees it in the diff before applying, and the audit trail keeps it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from builders import make_indicator, make_plan
from duban.persistence.models import AuditRow
from duban.plan.lineage import NEW
from duban.plan.revision import FieldChange
from duban.services.plan_loading import save_plan
from duban.services.plan_revisions import apply_plan_revision, preview_plan_revision, undo_plan_revision
from duban.services.plans import plan_from_store

TODAY = date(2026, 8, 10)


def _plan(year: int = 2026, **mapping: str):
    return make_plan(
        year=year, indicators=[make_indicator(**mapping), make_indicator(id="L02-9", name="旧里程")]
    )


def _changed_fields(session, plan_row, plan) -> list[FieldChange]:
    preview = preview_plan_revision(session=session, plan_row=plan_row, plan=plan, today=TODAY)
    return [f for touched in preview.changes for f in touched.change.fields]


def test_the_diff_shows_a_changed_mapping_to_last_years_and_the_plan_aboves_indicator(session):
    row = save_plan(session=session, plan=_plan())
    fields = _changed_fields(session, row, _plan(last_year="L02-9", above="P-07"))
    assert [(f.label, f.old, f.new) for f in fields] == [
        ("去年对应指标", "L02-1", "L02-9"),
        ("上级计划对应指标", "L02-1", "P-07"),
    ]
    assert [(f.label, f.old, f.new) for f in _changed_fields(session, row, _plan(last_year=NEW))] == [
        ("去年对应指标", "L02-1", "无")
    ]


def test_mapping_an_indicator_to_its_own_code_is_no_change(session):
    row = save_plan(session=session, plan=_plan())
    preview = preview_plan_revision(
        session=session, plan_row=row, plan=_plan(last_year="L02-1", above="L02-1"), today=TODAY
    )
    assert preview.empty


def test_a_revision_changing_a_mapping_is_audited_with_both_codes(session):
    row = save_plan(session=session, plan=_plan(above="P-01"))
    apply_plan_revision(session=session, plan_row=row, plan=_plan(last_year="L02-9", above="P-07"),
                        user_id=None, reason="省级指标重新对应", today=TODAY)  # fmt: skip
    session.flush()
    created, revised = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
    assert (created.action, created.new["mappings"]) == ("plan.create", {"L02-1": {"above": "P-01"}})
    assert revised.action == "plan.revise" and revised.reason == "省级指标重新对应"
    assert revised.old["mappings"] == {"L02-1": {"last_year": "L02-1", "above": "P-01"}}
    assert revised.new["mappings"] == {"L02-1": {"last_year": "L02-9", "above": "P-07"}}


def test_undoing_a_revision_audits_the_mappings_it_puts_back(session):
    row = save_plan(session=session, plan=_plan(above="P-01"))
    revision = apply_plan_revision(session=session, plan_row=row, plan=_plan(above="P-07"), user_id=None,
                                   reason="省级指标重新对应", today=TODAY)  # fmt: skip
    session.flush()
    undo_plan_revision(session=session, revision_id=revision.id, user_id=None)
    session.flush()
    undone = session.scalars(select(AuditRow).order_by(AuditRow.id.desc())).first()
    assert undone.action == "plan.revise.undo"
    assert undone.old["mappings"] == {"L02-1": {"above": "P-07"}}
    assert undone.new["mappings"] == {"L02-1": {"above": "P-01"}}
    assert plan_from_store(session=session, plan_row=row).indicators()[0].above == "P-01"
