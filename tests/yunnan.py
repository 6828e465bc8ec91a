"""A 云南 deployment for the maps: the province's plan broken down to its 16 州市 (named as an office writes
them, 红河州 not 红河哈尼族彝族自治州: the map finds them by code) and 曲靖市's own plan broken down to its
counties and a 经济技术开发区, which has a code but no boundary; some figures approved for May."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import duban.web
from builders import OFFICE
from duban.persistence.models import IndicatorRow, OrgUnitRow, PlanRow
from duban.plan.model import Area, Breakdown, Indicator, OrgUnit, Plan, Task
from duban.services.entries import approve, record_value, submit
from duban.services.periods import ensure_periods
from duban.services.plan_loading import save_plan

GEO_DIR = Path(duban.web.__file__).resolve().parent / "static" / "geo"
PROVINCE, QUJING = "530000", "530300"
ZONE = ("曲靖经济技术开发区", "530371")  # a 开发区: a unit with a code, not an administrative region
MAY = 5


def shipped(code: str) -> dict[str, str]:
    """The regions of the shipped map of `code`: adcode → the file's name."""
    features = json.loads((GEO_DIR / f"{code}.geojson").read_text(encoding="utf-8"))["features"]
    return {f["properties"]["adcode"]: f["properties"]["name"] for f in features}


SHORT = {"红河哈尼族彝族自治州": "红河州", "西双版纳傣族自治州": "西双版纳州"}  # as plans write them


def _indicator(targets: dict[str, int]) -> Indicator:
    return Indicator(id="C1", name="新建充电桩", unit="个", kind="count", comparator=">=",
                     target=Decimal(sum(targets.values())),
                     breakdown=Breakdown(targets={code: Decimal(v) for code, v in targets.items()}))  # fmt: skip


def _plan(region: str, units: list[OrgUnit], targets: dict[str, int]) -> Plan:
    return Plan(region=region, year=2026, title=f"{region}2026年重点工作", units=units,
                areas=[Area(code="A", name="方面", tasks=[Task(code="1", title="任务", indicators=[_indicator(targets)])])])  # fmt: skip


def province_plan() -> Plan:
    cities = shipped(PROVINCE)
    units = [OrgUnit(name="云南省", kind="province", code=PROVINCE)]
    units += [
        OrgUnit(name=SHORT.get(name, name), kind="city", parent=PROVINCE, code=code)
        for code, name in cities.items()
    ]
    return _plan("云南省", units, dict.fromkeys(cities, 100))


def qujing_plan() -> Plan:
    counties = {**shipped(QUJING), ZONE[1]: ZONE[0]}
    units = [OrgUnit(name="曲靖市", kind="city", code=QUJING)]  # under the province already stored
    units += [OrgUnit(name=name, kind="county", parent=QUJING, code=code) for code, name in counties.items()]
    return _plan("曲靖市", units, dict.fromkeys(counties, 10))


# May's approved figures: (plan region, unit code, value); 曲靖市's figure is its counties' sum
FIGURES = [("云南省", "530100", 80), ("云南省", "530600", 30), ("云南省", "532500", 60), ("云南省", "533400", 5),
           ("曲靖市", "530302", 9), ("曲靖市", "530303", 2), ("曲靖市", ZONE[1], 7)]  # fmt: skip


def load_yunnan(session: Session) -> dict[str, int]:
    """Store both plans and approve May's figures; unit ids by code."""
    for plan in (province_plan(), qujing_plan()):
        ensure_periods(session=session, plan=save_plan(session=session, plan=plan), cutoff_day=25,
                       combine_jan_feb=False)  # fmt: skip
    units = {u.code: u.id for u in session.scalars(select(OrgUnitRow))}
    for region, code, value in FIGURES:
        plan = session.scalars(select(PlanRow).where(PlanRow.region == region)).one()
        may = ensure_periods(session=session, plan=plan, cutoff_day=25, combine_jan_feb=False)[MAY - 1]
        indicator = session.scalars(select(IndicatorRow.id).where(IndicatorRow.plan_id == plan.id)).one()
        entry = record_value(session=session, indicator_id=indicator, unit_id=units[code], period_id=may.id,
                             user_id=None, value=Decimal(value))  # fmt: skip
        submit(session=session, entry=entry, writer=OFFICE)
        approve(session=session, entry=entry, writer=OFFICE)
    return units
