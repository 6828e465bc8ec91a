"""Project lights: the 银川 rule for investment, deadlines for starting and 入库, and the red list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from duban.choices import Light
from duban.projects.lights import deadline_light, gap_light, project_lights, red_projects
from projects.ledger_sample import sample_projects

G, Y, R = Light.GREEN, Light.YELLOW, Light.RED


@pytest.mark.parametrize(
    ("gap", "light"),
    [(D(-5), G), (D("9.99"), G), (D(10), Y), (D(30), Y), (D("30.01"), R), (D(80), R)],
)
def test_gap_light(gap: D, light: Light) -> None:
    assert gap_light(gap) is light


@pytest.mark.parametrize(
    ("due", "done", "on", "light"),
    [
        (date(2026, 5, 1), None, date(2026, 5, 1), G),
        (date(2026, 5, 1), None, date(2026, 5, 2), Y),
        (date(2026, 5, 1), None, date(2026, 5, 31), Y),
        (date(2026, 5, 1), None, date(2026, 6, 1), R),
        (date(2026, 5, 1), date(2026, 6, 20), date(2026, 6, 30), G),
        (date(2026, 5, 1), date(2026, 7, 20), date(2026, 6, 30), R),
    ],
)
def test_deadline_light(due: date, done: date | None, on: date, light: Light) -> None:
    assert deadline_light(due=due, done=done, on=on) is light


# On 30 June (序时进度 49.59%): P1 40% done -> 9.59 pp; P3 24% -> 25.59 pp; P4 10% -> 39.59 pp;
# P5 50% -> -0.41 pp. P2 is 60 days late starting, P6 15 days; P5's 入库 was due 28 February;
# P4's 入库 is due 30 days after its 25 June start.
@pytest.mark.parametrize(
    ("code", "start", "investment", "registration", "gap"),
    [
        ("P1", G, G, G, D("9.59")),
        ("P2", R, None, None, None),
        ("P3", None, Y, G, D("25.59")),
        ("P4", G, R, G, D("39.59")),
        ("P5", G, G, R, D("-0.41")),
        ("P6", Y, None, None, None),
        ("P7", None, None, None, None),
    ],
)
def test_lights_of_the_sample(
    code: str, start: Light, investment: Light, registration: Light, gap: D
) -> None:
    project = next(p for p in sample_projects() if p.code == code)
    lights = project_lights(project, year=2026, on=date(2026, 6, 30))
    assert (lights.start, lights.investment, lights.registration, lights.gap) == (
        start,
        investment,
        registration,
        gap,
    )


def test_red_list_names_owners_and_reasons() -> None:
    red = red_projects(sample_projects(), year=2026, on=date(2026, 6, 30))
    assert [(r.project.code, r.project.owner, r.reasons) for r in red] == [
        ("P5", "昭阳区工业园区管委会", ["入库"]),
        ("P4", "昭阳区教育体育局", ["投资"]),
        ("P2", "镇雄县发展改革局", ["开工"]),
    ]
