"""What operators ask of the store: does it answer at the newest schema, and how much work is in it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from duban.persistence.db import at_head
from duban.persistence.models import AuditRow, EntryRow
from duban.persistence.supervision_models import SupervisionItemRow


def store_unready_reason(*, engine: Engine) -> str:
    """Why the store cannot serve (in Chinese), or "" when it answers at the newest migration."""
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        return "" if at_head(engine) else "数据库结构不是最新版本，请运行 duban db upgrade"
    except Exception as exc:  # any failure to reach the database means not ready
        return f"数据库不可用：{type(exc).__name__}"


@dataclass(frozen=True)
class Workload:
    entries_by_state: dict[str, int]
    open_items_by_colour: dict[str, int]
    supervision_steps: dict[str, int]


def workload(*, session: Session) -> Workload:
    """Figures by review state, open 督办 items by colour, 督办 steps in the audit log: read from the store."""
    states = select(EntryRow.state, func.count()).group_by(EntryRow.state)
    open_items = select(SupervisionItemRow.colour, func.count()).where(SupervisionItemRow.state != "closed")
    steps = select(AuditRow.action, func.count()).where(AuditRow.action.like("supervision.%"))
    return Workload(
        entries_by_state={state: count for state, count in session.execute(states)},
        open_items_by_colour={colour or "none": n for colour, n in session.execute(open_items.group_by(SupervisionItemRow.colour))},
        supervision_steps={action: n for action, n in session.execute(steps.group_by(AuditRow.action))},
    )  # fmt: skip
