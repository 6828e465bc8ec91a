"""The life of an item: 待签收 → 办理中 → 已反馈 → 已办结, or 退回 from 已反馈 back to 办理中."""

from __future__ import annotations

from duban.choices import ItemAction, ItemState

MOVES: dict[ItemAction, tuple[frozenset[ItemState], ItemState]] = {
    ItemAction.SIGN: (frozenset({ItemState.PENDING}), ItemState.HANDLING),
    ItemAction.ANSWER: (frozenset({ItemState.HANDLING}), ItemState.ANSWERED),
    ItemAction.RETURN: (frozenset({ItemState.ANSWERED}), ItemState.HANDLING),
    ItemAction.CLOSE: (frozenset({ItemState.ANSWERED}), ItemState.CLOSED),
}
OFFICE_ACTIONS = frozenset({ItemAction.RETURN, ItemAction.CLOSE})
UNIT_ACTIONS = frozenset({ItemAction.SIGN, ItemAction.ANSWER})


class ItemError(ValueError):
    """A step the item's state does not allow, or a step without what it needs; the message is for the user."""


class StepRefused(ItemError):
    """The item's state does not allow the step: it was taken already (a double click), or someone else was first."""


def next_state(*, state: ItemState, action: ItemAction, cause_cleared: bool = False) -> ItemState:
    """The state after `action`; an item whose cause has gone may be closed at any open state."""
    if action is ItemAction.CLOSE and cause_cleared and state is not ItemState.CLOSED:
        return ItemState.CLOSED
    allowed, after = MOVES[action]
    if state not in allowed:
        raise StepRefused(f"当前状态为“{state.label}”，不能{action.label}（可能已被处理，请刷新查看）")
    return after


def require_text(text: str | None, what: str) -> str:
    """The text stripped, or an error naming what is missing."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise ItemError(f"{what}不能为空")
    return cleaned
