"""A plausible demo ledger for 昭通 2026, reproducible from a seed.

About 1,060 new starts and 524 continuing projects over the 11 counties (split roughly by population),
23 "两重" projects, 镇雄's 10 phosphorus-cluster starts totalling exactly 82.67亿元, investor types
chosen so that the industrial and private shares land near, but not on, 55% and 45%, and monthly
completed investment for every month that has ended by `today`. Counties move at different paces,
so some are ahead of 序时进度 and some behind, and a few projects start late or are not registered.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from duban.choices import InvestorType, ProjectCategory, ProjectKind, ProjectMilestone
from duban.progress.expected import BACK_LOADED_WEIGHTS
from duban.projects.figures import through_month
from duban.projects.model import Dates, Project

NEW_STARTS = 1060
CONTINUING = 524
TWO_MAJOR = 23
PROVINCIAL_MAJOR = 40
CLUSTER = "磷基新材料产业集群"
CLUSTER_COUNTY = "镇雄县"
# 万元; they add up to 826,700万元 = 82.67亿元, the plan's figure.
CLUSTER_TOTALS = (150000, 120000, 110000, 98000, 85000, 72000, 65000, 50000, 42700, 34000)
CLUSTER_MONTHS = (4, 5, 6, 7, 8, 9, 9, 10, 11, 12)
WAN = Decimal(10_000)
# Share of projects per county, close to the A-03 draft split by population (per mille).
COUNTY_WEIGHTS = (184, 75, 97, 59, 45, 71, 26, 262, 93, 68, 20)
PACES = (1.08, 0.86, 0.97, 1.02, 0.74, 0.93, 1.12, 0.99, 0.81, 0.90, 1.05)
CATEGORIES = (
    (ProjectCategory.INDUSTRY, 0.53), (ProjectCategory.INFRASTRUCTURE, 0.28),
    (ProjectCategory.LIVELIHOOD, 0.11), (ProjectCategory.ECOLOGY, 0.05), (ProjectCategory.OTHER, 0.03),
)  # fmt: skip
NAMES = {
    ProjectCategory.INDUSTRY: ("绿色硅材料深加工", "高原特色农产品加工", "标准厂房建设", "新能源电池材料",
                               "天麻精深加工", "苹果冷链物流", "水电铝配套加工", "竹产业综合开发"),
    ProjectCategory.INFRASTRUCTURE: ("县乡公路提级改造", "城市道路改造", "农村供水保障", "中型水库建设",
                                     "物流园区基础设施", "城市更新", "灌区续建配套"),
    ProjectCategory.LIVELIHOOD: ("中学扩建", "县医院综合楼", "养老服务中心", "保障性租赁住房", "幼儿园新建"),
    ProjectCategory.ECOLOGY: ("污水处理厂提标改造", "河道综合治理", "石漠化综合治理", "垃圾焚烧发电"),
    ProjectCategory.OTHER: ("游客服务中心", "文体中心", "便民服务中心"),
}  # fmt: skip
OWNERS = {
    ProjectCategory.INDUSTRY: "工业和信息化局", ProjectCategory.INFRASTRUCTURE: "交通运输局",
    ProjectCategory.LIVELIHOOD: "教育体育局", ProjectCategory.ECOLOGY: "生态环境分局",
    ProjectCategory.OTHER: "文化和旅游局",
}  # fmt: skip


def demo_projects(*, counties: Sequence[str], year: int, today: date, seed: int = 2026) -> list[Project]:
    """The demo ledger on `today`: the same projects and figures for the same seed and date."""
    rng = random.Random(seed)
    projects = [_cluster_project(rng, i, year, today) for i in range(len(CLUSTER_TOTALS))]
    for kind, count in (
        (ProjectKind.NEW, NEW_STARTS - len(CLUSTER_TOTALS)),
        (ProjectKind.CONTINUING, CONTINUING),
    ):
        for county, share in zip(counties, _split(count, len(counties)), strict=True):
            pace = PACES[counties.index(county) % len(PACES)]
            projects += [
                _project(rng, county, kind, pace, year, today, len(projects) + i) for i in range(share)
            ]
    _flag(rng, projects)
    return projects


def _split(count: int, parts: int) -> list[int]:
    weights = [COUNTY_WEIGHTS[i % len(COUNTY_WEIGHTS)] for i in range(parts)]
    shares = [count * w // sum(weights) for w in weights]
    shares[0] += count - sum(shares)
    return shares


def _flag(rng: random.Random, projects: list[Project]) -> None:
    infrastructure = [
        p for p in projects if p.category is ProjectCategory.INFRASTRUCTURE and p.total_investment
    ]
    big = sorted(infrastructure, key=lambda p: p.total_investment, reverse=True)
    for project in big[:TWO_MAJOR]:
        project.two_major = True
    for project in rng.sample(projects, PROVINCIAL_MAJOR):
        project.provincial_major = True


def _cluster_project(rng: random.Random, index: int, year: int, today: date) -> Project:
    total = Decimal(CLUSTER_TOTALS[index]) * WAN
    planned = date(year, CLUSTER_MONTHS[index], rng.randint(1, 28))
    data = _common(rng, f"ZT{year}-08-C{index + 1:02d}", CLUSTER_COUNTY, ProjectCategory.INDUSTRY)
    data |= {"name": f"镇雄{('磷酸铁', '磷酸铁锂', '精细磷化工', '湿法磷酸', '黄磷尾气利用')[index % 5]}项目"
             f"（{index // 5 + 1}期）", "cluster": CLUSTER, "investor": InvestorType.PRIVATE}  # fmt: skip
    return _finish(rng, data, ProjectKind.NEW, total, planned, 0.95, year, today)


def _project(
    rng: random.Random, county: str, kind: ProjectKind, pace: float, year: int, today: date, number: int
) -> Project:
    category = rng.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES])[0]
    total = Decimal(round(math.exp(rng.uniform(math.log(2000), math.log(80000))))) * WAN
    if kind is ProjectKind.NEW:
        month = rng.choices(range(1, 13), [float(w) for w in BACK_LOADED_WEIGHTS])[0]
        planned = date(year, month, rng.randint(1, 28))
    else:
        planned = date(year - rng.randint(1, 3), rng.randint(1, 12), rng.randint(1, 28))
    data = _common(rng, f"ZT{year}-{number:05d}", county, category)
    return _finish(rng, data, kind, total, planned, pace, year, today)


def _common(rng: random.Random, code: str, county: str, category: ProjectCategory) -> dict[str, Any]:
    private = 0.69 if category is ProjectCategory.INDUSTRY else 0.17
    investor = rng.choices(list(InvestorType), [1 - private - 0.03, private, 0.03])[0]
    short = county.removesuffix("县").removesuffix("区").removesuffix("市")
    return {"code": code, "county": county, "category": category, "investor": investor,
            "name": f"{short}{rng.choice(NAMES[category])}项目", "owner": f"{county}{OWNERS[category]}"}  # fmt: skip


def _finish(
    rng: random.Random,
    data: dict[str, Any],
    kind: ProjectKind,
    total: Decimal,
    planned: date,
    pace: float,
    year: int,
    today: date,
) -> Project:
    low, high = (0.2, 0.5) if kind is ProjectKind.NEW else (0.15, 0.4)
    # A new start is only planned to spend for the months left after its planned start.
    months = 13 - planned.month if kind is ProjectKind.NEW else 12
    share = Decimal(str(round(rng.uniform(low, high) * months / 12, 3)))
    year_plan = (total * share / WAN / 10).quantize(1) * WAN * 10
    milestones = _milestones(rng, planned, pace, today)
    project = Project(kind=kind, total_investment=total, year_plan=year_plan, milestones=milestones, **data)
    project.monthly = _monthly(rng, project, pace, year, today)
    return project  # fmt: skip


def _milestones(rng: random.Random, planned: date, pace: float, today: date) -> dict[ProjectMilestone, Dates]:
    late = rng.random() > 0.35 + 0.5 * min(pace, 1.0)
    start = planned + timedelta(days=rng.randint(20, 150) if late else rng.randint(-15, 10))
    early = planned > today and rng.random() < 0.03
    start = min(start, today) if early else start
    started = start if start <= today else None
    registered = start + timedelta(days=rng.randint(5, 70)) if started and rng.random() < 0.9 else None
    result = {ProjectMilestone.START: Dates(planned=planned, actual=started)}
    if registered is not None and registered <= today:
        result[ProjectMilestone.REGISTERED] = Dates(actual=registered)
    for milestone, lead in (
        (ProjectMilestone.APPROVAL, 120),
        (ProjectMilestone.LAND, 90),
        (ProjectMilestone.EIA, 60),
    ):
        due = planned - timedelta(days=lead)
        done = due + timedelta(days=rng.randint(-20, 25))
        result[milestone] = Dates(planned=due, actual=done if done <= today else None)
    return result


def _monthly(rng: random.Random, project: Project, pace: float, year: int, today: date) -> dict[int, Decimal]:
    started = project.dates(ProjectMilestone.START).actual
    if started is None:
        return {}
    first = 1 if started.year < year else started.month
    monthly = {}
    # A new start spends its year's plan over the months left after it starts.
    for month in range(first, through_month(year=year, on=today) + 1):
        share = Decimal(str(round(pace * rng.uniform(0.85, 1.45) / (13 - first), 4)))
        monthly[month] = (project.year_plan * share / WAN).quantize(1) * WAN
    return monthly
