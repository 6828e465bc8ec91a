"""Target revisions: each month judged against the target in force then, and the bulletin says so."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import typer
from sqlalchemy import select

from builders import OFFICE, make_indicator, make_plan
from duban.choices import EntryState, Status
from duban.cli.plan import revise_command
from duban.persistence.audit import history
from duban.persistence.db import transaction
from duban.persistence.models import IndicatorRow, OrgUnitRow, UnitTargetRow
from duban.plan.model import Breakdown
from duban.reports.build import build_bulletin
from duban.services.entries import approve, ensure_periods, record_value, submit
from duban.services.overview import period_overview
from duban.services.plan_loading import save_plan
from duban.services.revise import month_of, target_value
from duban.services.revisions import RevisionError, approve_revision, revise_target
from duban.settings import get_settings

PROJECTS = make_indicator(id="A-03", name="新开工项目", unit="个", target=Decimal(1000), lead_unit="市发展改革委",
                          accumulation="cumulative")  # fmt: skip
ROADS = make_indicator(breakdown=Breakdown(targets={"镇雄县": Decimal(740), "昭阳区": Decimal(500)}))
REASON = "市人大常委会批准调整年度计划"


def _setup(session, indicators):
    row = save_plan(session=session, plan=make_plan(indicators=indicators))
    return row, ensure_periods(session=session, plan=row, cutoff_day=25, combine_jan_feb=False)


def _report(session, code, unit, period, value):
    ind = session.scalar(select(IndicatorRow).where(IndicatorRow.code == code))
    unit_id = _unit(session, unit)
    entry = record_value(session=session, indicator_id=ind.id, unit_id=unit_id, period_id=period.id, user_id=None,
                         value=Decimal(value))  # fmt: skip
    submit(session=session, entry=entry, writer=OFFICE)
    approve(session=session, entry=entry, writer=OFFICE)
    assert entry.state == EntryState.APPROVED


def _unit(session, name):
    return session.scalar(select(OrgUnitRow.id).where(OrgUnitRow.name == name))


def _indicator(session, code):
    return session.scalar(select(IndicatorRow).where(IndicatorRow.code == code))


def _projects_reported(session):
    row, periods = _setup(session, [PROJECTS])
    _report(
        session, "A-03", "市发展改革委", periods[5], 450
    )  # June: 45% of 1000, 序时 49.6% → 正常; of 1500 → 滞后
    _report(
        session, "A-03", "市发展改革委", periods[6], 600
    )  # July: 60% of 1000 → 正常; 40% of 1500, 序时 58.1% → 滞后
    return row


def _revise(session, value=1500, month=7, unit=None, code="A-03", **extra):
    return revise_target(session=session, indicator_id=_indicator(session, code).id, unit_id=unit,
                         new_value=Decimal(value), effective_month=month, reason=REASON, user_id=None, **extra)  # fmt: skip


def _status(session, row, month):
    line = period_overview(session=session, plan_row=row, month=month, today=date(2026, 8, 1)).indicators[0]
    return line.judgement.status, line.units[0].target


def test_june_uses_the_old_target_and_july_the_new_one(session):
    row = _projects_reported(session)
    assert (_status(session, row, 6)[0], _status(session, row, 7)[0]) == (Status.ON_TRACK, Status.ON_TRACK)
    _revise(session)
    assert _status(session, row, 6) == (Status.ON_TRACK, Decimal(1000))
    assert _status(session, row, 7) == (Status.BEHIND, Decimal(1500))
    assert _indicator(session, "A-03").target == Decimal(1500)  # the stored target is the current one


def test_the_bulletin_states_the_revision_from_its_month_on(session):
    row = _projects_reported(session)
    _revise(session)
    june = period_overview(session=session, plan_row=row, month=6, today=date(2026, 8, 1))
    july = period_overview(session=session, plan_row=row, month=7, today=date(2026, 8, 1))
    stated = "A-03“新开工项目”目标自2026年7月起由1000个调整为1500个，理由：市人大常委会批准调整年度计划。"
    assert stated in _text(build_bulletin(overview=july, previous=june, issued=date(2026, 8, 5)))
    assert "调整目标" not in _text(build_bulletin(overview=june, issued=date(2026, 7, 5)))


def _text(bulletin):
    return "\n".join(p for section in bulletin.sections for p in section.paragraphs)


def test_a_revision_waiting_for_approval_does_not_count(session):
    row = _projects_reported(session)
    pending = _revise(session, approve=False)
    assert _status(session, row, 7) == (Status.ON_TRACK, Decimal(1000))
    assert _indicator(session, "A-03").target == Decimal(1000)
    approve_revision(session=session, revision_id=pending.id, user_id=None)
    assert _status(session, row, 7) == (Status.BEHIND, Decimal(1500))
    with pytest.raises(RevisionError, match="已经批准"):
        approve_revision(session=session, revision_id=pending.id, user_id=None)


def test_a_units_share_is_revised_alone(session):
    row, _periods = _setup(session, [ROADS])
    revision = _revise(session, value=800, month=7, unit=_unit(session, "镇雄县"), code="L02-1")
    assert revision.old_value == Decimal(740)

    def targets(month):
        line = period_overview(session=session, plan_row=row, month=month).indicators[0]
        return {u.unit: u.target for u in line.units}, line.indicator.target

    assert targets(6) == ({"镇雄县": Decimal(740), "昭阳区": Decimal(500)}, Decimal(1240))
    assert targets(7) == ({"镇雄县": Decimal(800), "昭阳区": Decimal(500)}, Decimal(1240))
    stored = session.scalar(
        select(UnitTargetRow.value).where(UnitTargetRow.unit_id == _unit(session, "镇雄县"))
    )
    assert stored == Decimal(800)


def test_revisions_chain_and_each_month_takes_the_one_in_force(session):
    row = _projects_reported(session)
    _revise(session, value=1500, month=7)
    later = _revise(session, value=1200, month=9)
    assert later.old_value == Decimal(1500)
    assert [_status(session, row, m)[1] for m in (6, 7, 8, 9, 12)] == [1000, 1500, 1500, 1200, 1200]
    assert _indicator(session, "A-03").target == Decimal(1200)


def test_revisions_are_audited_with_who_and_why(session):
    _projects_reported(session)
    revision = _revise(session)
    steps = history(session=session, entity="target_revision", entity_id=revision.id)
    assert [s.action for s in steps] == ["target.revise", "target.approve"]
    assert steps[0].reason == REASON
    assert Decimal(steps[0].old["target"]) == 1000


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"month": 13}, "生效月份 13 无效"),
        ({"reason": "  "}, "必须说明理由"),
        ({"unit": "镇雄县"}, "没有分解给该单位的目标"),
    ],
)
def test_bad_revisions_are_refused_in_chinese(session, changes, message):
    _projects_reported(session)
    unit = _unit(session, changes["unit"]) if "unit" in changes else None
    with pytest.raises(RevisionError, match=message):
        revise_target(session=session, indicator_id=_indicator(session, "A-03").id, unit_id=unit,
                      new_value=Decimal(1), effective_month=changes.get("month", 7),
                      reason=changes.get("reason", REASON), user_id=None)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1100", Decimal(1100)),
        ("1,100", Decimal(1100)),
        ("1100个", Decimal(1100)),
        ("12.5%", Decimal("12.5")),
    ],
)
def test_target_values_as_typed(text, expected):
    assert target_value(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("2026-07", 7), ("2026年7月", 7), ("7", 7), ("12月", 12)])
def test_months_as_typed(text, expected):
    assert month_of(text, 2026) == expected


@pytest.mark.parametrize(
    ("text", "message"), [("2025-07", "不在计划年度"), ("13", "无法识别"), ("七月", "无法识别")]
)
def test_bad_months_are_refused(text, message):
    with pytest.raises(RevisionError, match=message):
        month_of(text, 2026)


@pytest.fixture
def command_store(monkeypatch, db_url, factory):
    with transaction(factory) as session:
        _projects_reported(session)
    monkeypatch.setenv("DUBAN_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield factory
    get_settings.cache_clear()


def test_the_command_revises_and_says_what_it_did(command_store, capsys):
    revise_command("A-03", "1,500", from_month="2026-07", unit=None, reason=REASON)
    assert capsys.readouterr().out.strip() == (
        "已调整：A-03“新开工项目”目标自2026年7月起由1000个调整为1500个，理由：市人大常委会批准调整年度计划。"
    )
    with command_store() as session:
        assert _indicator(session, "A-03").target == Decimal(1500)


def test_the_command_refuses_an_unknown_indicator(command_store, capsys):
    with pytest.raises(typer.Exit):
        revise_command("Z-99", "1", from_month="7", unit=None, reason=REASON)
    assert "计划中没有编号为“Z-99”的指标" in capsys.readouterr().err
