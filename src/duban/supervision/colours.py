"""Three-colour supervision (三色督办): blue near the deadline, yellow behind 序时进度, red overdue or far behind."""

from __future__ import annotations

from datetime import date

from duban.choices import Colour, ItemState
from duban.supervision.rules import SupervisionRules

UNIT_TURN = frozenset({ItemState.PENDING, ItemState.HANDLING})


def higher(first: Colour | None, second: Colour | None) -> Colour | None:
    """The more urgent of two colours (None is below blue)."""
    return max((first, second), key=lambda c: c.rank if c else 0)


def deadline_colour(*, deadline: date, today: date, rules: SupervisionRules) -> Colour | None:
    """Red once the deadline has passed, blue within `blue_days` of it, else none."""
    if today > deadline:
        return Colour.RED
    return Colour.BLUE if (deadline - today).days <= rules.blue_days else None


def item_colour(
    *, cause_colour: Colour | None, state: ItemState, deadline: date, today: date, rules: SupervisionRules
) -> Colour | None:
    """The colour of an open item; the deadline only counts while it is the unit's turn to act."""
    if state not in UNIT_TURN:
        return cause_colour
    return higher(cause_colour, deadline_colour(deadline=deadline, today=today, rules=rules))
