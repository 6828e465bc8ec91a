"""The map in a real Chromium on a 云南 store: 云南省's plan draws its 16 州市 from 530000.geojson, each
coloured by its figure and found by code; clicking 曲靖市 (which has its own plan) opens 曲靖市's map of its
counties, with its 开发区 (no boundary) listed beside it. Screenshots under test-output/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.conftest import PASSWORD, TODAY, log_in, office_page, running_server, shoot
from yunnan import MAY, PROVINCE, QUJING, ZONE, load_yunnan, shipped

pytestmark = pytest.mark.browser


def _prepare(data_dir: Path) -> None:
    from duban.choices import Role
    from duban.persistence.db import make_engine, session_factory, transaction
    from duban.persistence.migrate import upgrade
    from duban.services.users import add_user

    url = f"sqlite:///{data_dir / 'duban.db'}"
    upgrade(url)
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        load_yunnan(session)
        add_user(
            session=session, username="admin", password=PASSWORD, role=Role.ADMIN, display_name="省督查室"
        )
    engine.dispose()


@pytest.fixture(scope="module")
def yunnan_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("yunnan-store")
    _prepare(data_dir)
    with running_server(data_dir, TODAY) as base:
        yield base


@pytest.fixture
def office(browser: Any, yunnan_server: str) -> Iterator[Any]:
    with office_page(browser, yunnan_server) as page:
        log_in(page, "admin")
        yield page


def _drawn(page: Any) -> dict[str, str]:
    """What the chart drew: each region's code to its fill colour, as ECharts holds them."""
    return page.evaluate("""() => {
        const series = window.dubanMap.getOption().series[0];
        return Object.fromEntries(series.data.map(d => [d.name, d.itemStyle.areaColor]));
    }""")


def test_the_province_map_draws_its_16_cities_coloured_by_their_figures(office) -> None:
    office.goto(f"/map?region=云南省&month={MAY}&measure=C1")
    office.wait_for_selector('#map-chart[data-ready="1"]')
    office.wait_for_timeout(500)  # the canvas's first frame
    drawn = _drawn(office)
    assert drawn.keys() == shipped(PROVINCE).keys()
    rows = {
        r.get_attribute("data-code"): r.get_attribute("data-colour")
        for r in office.locator("#map-table tr[data-code]").all()
    }
    assert drawn == rows  # each 州市's boundary takes its own row's colour
    assert len(set(drawn.values())) >= 4  # 超序时, 滞后, 严重滞后, 未报送
    assert office.locator("#map-missing").count() == 0
    box = office.locator("#map-chart canvas").first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300
    shoot(office, "map-province-yunnan")


def test_clicking_a_city_with_its_own_plan_opens_its_county_map(office) -> None:
    office.goto(f"/map?region=云南省&month={MAY}")
    office.wait_for_selector('#map-chart[data-ready="1"]')
    office.click('#map-table tr[data-code="530300"] a')
    office.wait_for_selector('#map-chart[data-ready="1"]')
    assert "曲靖市各县（市、区）推进地图" in office.inner_text("h1")
    assert _drawn(office).keys() == shipped(QUJING).keys()
    assert ZONE[0] in office.inner_text("#map-missing")
    shoot(office, "map-city-qujing")
