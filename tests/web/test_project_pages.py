"""项目库 pages: the ledger list with its filters and paging, one project, scope by county, the 督办 link."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from duban.choices import InvestorType, ProjectCategory, ProjectKind, ProjectMilestone
from duban.persistence.supervision_models import SupervisionItemRow
from duban.projects.model import Dates, Project
from duban.services.plans import find_plan
from duban.services.projects import save_projects
from duban.services.supervision import apply_rules
from duban.supervision.situations import ProjectAlert
from web.conftest import log_in

WAN = Decimal(10_000)


def a_project(code: str, county: str = "镇雄县", **overrides: object) -> Project:
    """A new start planned for March that started on time, with 100万元 planned this year."""
    data: dict[str, object] = {
        "code": code, "name": f"{county}测试项目{code}", "county": county,
        "category": ProjectCategory.INDUSTRY, "kind": ProjectKind.NEW, "owner": f"{county}工业和信息化局",
        "investor": InvestorType.PRIVATE, "total_investment": 500 * WAN, "year_plan": 100 * WAN,
        "monthly": {3: 20 * WAN, 4: 20 * WAN, 5: 20 * WAN},
        "milestones": {ProjectMilestone.START: Dates(planned=date(2026, 3, 1), actual=date(2026, 3, 2)),
                       ProjectMilestone.REGISTERED: Dates(actual=date(2026, 3, 20))},
    }  # fmt: skip
    return Project.model_validate(data | overrides)


# Today is 2026-06-10 (web conftest): a start planned on 1 March and not made is 101 days late: red.
LATE = {"milestones": {ProjectMilestone.START: Dates(planned=date(2026, 3, 1))}, "monthly": {}}
# Started, but nothing spent by the end of May against a 序时进度 near 40%: investment red.
IDLE = {"monthly": {}}


@pytest.fixture
def ledger(factory: sessionmaker[Session], seeded: None) -> None:
    """60 green projects in 镇雄县, a late start and an idle one there, and two 昭阳区 projects, one 两重."""
    projects = [a_project(f"ZT2026-{n:05d}") for n in range(1, 61)]
    projects += [
        a_project("ZT2026-01156", name="镇雄县迟迟未开工项目", **LATE),
        a_project("ZT2026-01157", **IDLE),
    ]
    projects += [a_project("ZT2026-02001", "昭阳区", two_major=True), a_project("ZT2026-02002", "昭阳区")]
    with factory() as session, session.begin():
        plan_row = find_plan(session=session)
        assert plan_row is not None
        save_projects(session=session, plan_row=plan_row, projects=projects)


def _codes(html: str) -> list[str]:
    return re.findall(r'href="/projects/(ZT[^"]+)"', html)


@pytest.mark.usefixtures("ledger")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("light=red", {"ZT2026-01156", "ZT2026-01157"}),
        ("county=昭阳区", {"ZT2026-02001", "ZT2026-02002"}),
        ("two_major=1", {"ZT2026-02001"}),
        ("q=迟迟未开工", {"ZT2026-01156"}),
        ("q=zt2026-0200", {"ZT2026-02001", "ZT2026-02002"}),
        ("stage=preparing", set()),
        ("county=镇雄县&light=red&stage=reserve", {"ZT2026-01156"}),
    ],
)
def test_the_office_filters_the_ledger(client: TestClient, query: str, expected: set[str]) -> None:
    log_in(client, "admin")
    response = client.get(f"/projects?{query}")
    assert response.status_code == 200
    assert set(_codes(response.text)) == expected


@pytest.mark.usefixtures("ledger")
def test_the_list_shows_50_a_page_and_counts_per_light(client: TestClient) -> None:
    log_in(client, "leader")
    first = client.get("/projects").text
    assert len(_codes(first)) == 50
    assert "共 64 个项目" in first
    assert "第 1 / 2 页" in first
    assert re.search(r"红灯</span><b>2</b>", first)
    assert re.search(r"绿灯</span><b>62</b>", first)
    second = client.get("/projects?page=2").text
    assert len(_codes(second)) == 14
    assert not set(_codes(first)) & set(_codes(second))


@pytest.mark.usefixtures("ledger")
def test_a_reporter_sees_only_their_countys_projects(client: TestClient) -> None:
    log_in(client, "zhaoyang")
    listed = client.get("/projects?county=镇雄县").text
    assert set(_codes(listed)) == {"ZT2026-02001", "ZT2026-02002"}
    assert client.get("/projects/ZT2026-02001").status_code == 200
    refused = client.get("/projects/ZT2026-01156")
    assert refused.status_code == 403
    assert "只能查看本县（市、区）的项目" in refused.text


@pytest.mark.usefixtures("ledger")
def test_the_project_page_says_why_its_lights_are_red(client: TestClient) -> None:
    log_in(client, "admin")
    page = client.get("/projects/ZT2026-01156").text
    assert "镇雄县迟迟未开工项目" in page
    assert "计划2026年3月1日开工，已逾期101天未开工。" in page
    assert "尚未开工，不评投资灯。" in page
    idle = client.get("/projects/ZT2026-01157").text
    assert re.search(r"截至5月完成年度计划的0%，序时进度[\d.]+%，落后[\d.]+个百分点。", idle)
    assert client.get("/projects/ZT2026-99999").status_code == 404


@pytest.mark.usefixtures("ledger")
def test_the_project_page_shows_investment_by_month(client: TestClient) -> None:
    log_in(client, "admin")
    page = client.get("/projects/ZT2026-00001").text
    months = page.split('id="project-months"')[1]
    assert "60万元" in months  # cumulative through May
    assert "60.0%" in months  # of the 100万元 planned this year
    assert "已于2026年3月20日入库纳统。" in page


@pytest.mark.usefixtures("ledger")
def test_a_supervision_item_and_its_project_link_to_each_other(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    with factory() as session, session.begin():
        plan_row = find_plan(session=session)
        assert plan_row is not None
        alert = ProjectAlert(code="ZT2026-01156", name="镇雄县迟迟未开工项目", unit="镇雄县", red=True,
                             reason="开工红灯")  # fmt: skip
        apply_rules(session=session, plan_row=plan_row, month=5, today=date(2026, 6, 10), projects=[alert])
        item_id = session.scalar(
            select(SupervisionItemRow.id).where(SupervisionItemRow.project_code == alert.code)
        )
    log_in(client, "admin")
    item = client.get(f"/supervision/items/{item_id}").text
    assert '<a href="/projects/ZT2026-01156">ZT2026-01156</a>' in item
    project = client.get("/projects/ZT2026-01156").text
    assert f'href="/supervision/items/{item_id}"' in project


@pytest.mark.usefixtures("ledger")
def test_the_dashboard_and_the_nav_lead_to_the_ledger(client: TestClient) -> None:
    log_in(client, "admin")
    home = client.get("/").text
    assert 'id="ledger-link"' in home
    assert '<a href="/projects"' in home


@pytest.mark.usefixtures("ledger")
def test_a_project_saved_later_is_listed_at_once(client: TestClient, factory: sessionmaker[Session]) -> None:
    log_in(client, "admin")
    assert "共 64 个项目" in client.get("/projects").text
    with factory() as session, session.begin():
        plan_row = find_plan(session=session)
        assert plan_row is not None
        save_projects(session=session, plan_row=plan_row, projects=[a_project("ZT2026-03001", "鲁甸县")])
    listed = client.get("/projects").text
    assert "共 65 个项目" in listed
    assert "ZT2026-03001" in client.get("/projects?county=鲁甸县").text
