"""A target edited by hand: written with its trail, or, when refused, nothing written at all."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from duban.cli import default_plan_path
from duban.persistence.models import AuditRow, IndicatorRow
from duban.plan.model import Breakdown
from duban.plan.planfile import read_plan_file
from duban.services.plan_edits import EditRefused, apply_edit
from duban.services.plan_loading import save_plan
from duban.services.plans import indicator_from_row


@pytest.fixture
def a_target(session):
    save_plan(session=session, plan=read_plan_file(default_plan_path()))
    session.flush()
    return session.scalar(select(IndicatorRow).where(IndicatorRow.code == "A-03"))


def _edited(row, **change):
    return indicator_from_row(row).model_copy(update=change)


def test_an_edit_is_written_with_its_old_and_new_values_and_reason(session, a_target):
    apply_edit(session=session, row=a_target, edited=_edited(a_target, target=Decimal(1300)), user_id=None,
               reason="市政府常务会议调整")  # fmt: skip
    session.flush()
    audit = session.scalar(select(AuditRow).where(AuditRow.action == "indicator.edit"))
    assert (a_target.target, audit.entity_id, audit.reason) == (
        Decimal(1300),
        a_target.id,
        "市政府常务会议调整",
    )
    assert (audit.old["target"], audit.new["target"]) == ("1000", "1300")


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"target": Decimal(1300)}, " ", "修改目标必须填写理由"),
        ({"target": Decimal(1300), "lead_unit": "没有这个局"}, "调整", "牵头单位“没有这个局”不存在"),
        ({"target": Decimal(1300), "breakdown": Breakdown(targets={"镇雄县": Decimal(700), "不存在县": Decimal(600)})},
         "调整", "分解单位“不存在县”不存在"),
    ],
)  # fmt: skip
def test_a_refused_edit_changes_nothing(session, a_target, change, reason, message):
    before = indicator_from_row(a_target)
    with pytest.raises(EditRefused, match=message):
        apply_edit(
            session=session, row=a_target, edited=_edited(a_target, **change), user_id=None, reason=reason
        )
    session.flush()
    assert indicator_from_row(a_target) == before
    assert session.scalar(select(AuditRow).where(AuditRow.action == "indicator.edit")) is None
