"""The map follows the plan being viewed: 云南省's plan colours its 16 州市, 曲靖市's plan its own counties, each
matched to the shipped boundary by 行政区划代码; a unit with no boundary is listed beside the map with its figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import Role
from duban.services.users import add_user
from duban.settings import Settings
from duban.web.app import create_app
from web.conftest import PASSWORD, TODAY, log_in
from yunnan import MAY, PROVINCE, QUJING, ZONE, load_yunnan, shipped


@pytest.fixture
def units(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session, session.begin():
        found = load_yunnan(session)
        add_user(session=session, username="office", password=PASSWORD, role=Role.ADMIN)
        return found


@pytest.fixture
def office(db_url: str, tmp_path: Path, units: dict[str, int]) -> Iterator[TestClient]:
    settings = Settings(database_url=db_url, data_dir=tmp_path / "d", secret_key="test-secret", today=TODAY)
    with TestClient(create_app(settings)) as client:
        log_in(client, "office")
        yield client


def _shown(office: TestClient, query: str) -> dict[str, dict[str, object]]:
    data = office.get(f"/map/data?month={MAY}&{query}").json()
    return {str(c["code"]): c for c in data["counties"]} | {"": data}


def test_the_province_plan_colours_its_16_cities_found_by_code(office) -> None:
    shown = _shown(office, "region=云南省&measure=C1")
    data = shown.pop("")
    assert data["region"] == PROVINCE and data["geo"] == f"/static/geo/{PROVINCE}.geojson"
    assert shown.keys() == shipped(PROVINCE).keys() and all(c["drawn"] for c in shown.values())
    assert (
        shown["532500"]["name"] == "红河州"
    )  # the file says 红河哈尼族彝族自治州: matched by code, not name
    assert shown["530100"]["value"] == 80.0 and shown["530600"]["value"] == 30.0
    assert shown["530300"]["value"] == 18.0  # 曲靖市's own plan's counties: 9 + 2 + 7
    assert shown["530500"]["label"] == "未报送"
    assert shown["530300"]["plan_map"] == f"/map?year=2026&region=%E6%9B%B2%E9%9D%96%E5%B8%82&month={MAY}"
    assert (
        shown["530100"]["plan_map"] == ""
    )  # 昆明市: no plan of its own, its unit page in the province's plan
    assert shown["530100"]["page"] == f"/counties/昆明市?month={MAY}"


def test_the_province_map_page_loads_the_province_file_and_ranks_the_cities(office) -> None:
    page = office.get(f"/map?region=云南省&month={MAY}")
    assert page.status_code == 200, page.text[:300]
    assert f'data-geo="/static/geo/{PROVINCE}.geojson"' in page.text
    assert "云南省各市（州）推进地图" in page.text and 'id="map-missing"' not in page.text
    assert page.text.count('<tr data-county="') == 16
    scores = {
        c["code"]: c["value"] for c in office.get(f"/map/data?region=云南省&month={MAY}").json()["counties"]
    }
    assert scores.keys() == shipped(PROVINCE).keys() and scores["530100"] > scores["530500"]


def test_a_city_plan_other_than_zhaotong_colours_its_own_counties(office) -> None:
    shown = _shown(office, "region=曲靖市&measure=C1")
    data = shown.pop("")
    assert data["region"] == QUJING and data["geo"] == f"/static/geo/{QUJING}.geojson"
    assert shown.keys() == {*shipped(QUJING), ZONE[1]}
    assert {code for code, c in shown.items() if c["drawn"]} == shipped(QUJING).keys()
    assert shown["530302"]["value"] == 90.0 and shown["530302"]["page"] == "/counties/麒麟区?month=5"


def test_a_unit_without_a_boundary_is_listed_beside_the_map_with_its_figure(office) -> None:
    page = office.get(f"/map?region=曲靖市&month={MAY}&measure=C1").text
    missing = page[
        page.index('<div id="map-missing">') : page.index("</div>", page.index('<div id="map-missing">'))
    ]
    assert "以下 1 个单位在地图中没有边界" in missing
    assert f'data-code="{ZONE[1]}"' in missing and f"{ZONE[0]}：完成 70.0% · 超序时" in missing
    assert page.count('<tr data-county="') == len(shipped(QUJING)) + 1  # and in the table with the others
    assert "（无边界）" in page


def test_a_region_without_a_shipped_map_lists_every_unit(office, factory) -> None:
    """No boundary file for the region (a city of another province): no chart, the table holds every unit."""
    from sqlalchemy import update

    from duban.persistence.models import OrgUnitRow

    with factory() as session, session.begin():
        session.execute(update(OrgUnitRow).where(OrgUnitRow.code == QUJING).values(code="320300"))
    data = office.get(f"/map/data?region=曲靖市&month={MAY}").json()
    assert data["geo"] is None and len(data["counties"]) == len(shipped(QUJING)) + 1
    page = office.get(f"/map?region=曲靖市&month={MAY}").text
    assert 'id="map-chart"' not in page and 'id="map-none"' in page
