from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from duban.plan.model import Profile
from duban.progress.expected import expected_share

from .conftest import d

QUARTERLY = Profile(kind="quarterly")
RAINY = Profile(kind="seasonal", monthly_weights=[Decimal(1)] * 6 + [Decimal("0.5")] * 6)
NODES = Profile(
    kind="milestones",
    points=[
        {"on": "2026-03-31", "share": "0.2"},
        {"on": "2026-06-30", "share": "0.5"},
        {"on": "2026-10-31", "share": "0.9"},
    ],
)


@pytest.mark.parametrize(
    ("profile", "on", "due", "share"),
    [
        (Profile(), "2025-12-31", None, Decimal(0)),
        (Profile(), "2026-01-01", None, Decimal(1) / Decimal(365)),
        (Profile(), "2026-06-30", None, Decimal(181) / Decimal(365)),
        (Profile(), "2026-12-31", None, Decimal(1)),
        (Profile(), "2027-03-01", None, Decimal(1)),
        (Profile(), "2026-03-31", "2026-06-30", Decimal(90) / Decimal(181)),
        (Profile(), "2026-07-01", "2026-06-30", Decimal(1)),
        (QUARTERLY, "2026-03-30", None, Decimal(0)),
        (QUARTERLY, "2026-03-31", None, Decimal("0.25")),
        (QUARTERLY, "2026-06-29", None, Decimal("0.25")),
        (QUARTERLY, "2026-06-30", None, Decimal("0.5")),
        (QUARTERLY, "2026-09-30", None, Decimal("0.75")),
        (QUARTERLY, "2026-12-30", None, Decimal("0.75")),
        (RAINY, "2026-06-30", None, Decimal(6) / Decimal(9)),
        (RAINY, "2026-07-31", None, Decimal("6.5") / Decimal(9)),
        (Profile(kind="seasonal"), "2026-06-30", None, Decimal("0.48")),
        (Profile(kind="seasonal"), "2026-02-28", None, Decimal("0.12")),
        (Profile(kind="back_loaded"), "2026-03-31", None, Decimal("0.15")),
        (Profile(kind="back_loaded"), "2026-06-30", None, Decimal("0.40")),
        (Profile(kind="back_loaded"), "2026-09-30", None, Decimal("0.70")),
        (NODES, "2026-03-30", None, Decimal(0)),
        (NODES, "2026-03-31", None, Decimal("0.2")),
        (NODES, "2026-06-29", None, Decimal("0.2")),
        (NODES, "2026-07-01", None, Decimal("0.5")),
        (NODES, "2026-11-01", None, Decimal("0.9")),
        (NODES, "2026-12-31", None, Decimal(1)),
    ],
)
def test_expected_share(profile: Profile, on: str, due: str | None, share: Decimal) -> None:
    due_date = date.fromisoformat(due) if due else None
    assert expected_share(profile=profile, year=2026, on=d(on), due=due_date) == share
