"""Plain builder functions with defaults for tests: make_x(**overrides)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from duban.plan.model import Area, Breakdown, Indicator, OrgUnit, Plan, Task
from duban.services.locks import Writer

# The office acting without an account (the CLI, the demo, test set-up): held only to period locks.
OFFICE = Writer(user_id=None, admin=True, today=date(2026, 6, 10))

COUNTIES = (
    "昭阳区",
    "鲁甸县",
    "巧家县",
    "盐津县",
    "大关县",
    "永善县",
    "绥江县",
    "镇雄县",
    "彝良县",
    "威信县",
    "水富市",
)
COUNTY_CODES = dict(zip(COUNTIES, ("530602", "530621", "530622", "530623", "530624", "530625", "530626",
                                   "530627", "530628", "530629", "530681"), strict=True))  # 行政区划代码  # fmt: skip


def make_units() -> list[OrgUnit]:
    city = [OrgUnit.model_validate({"name": "昭通市", "kind": "city", "code": "530600"})]
    counties = [
        OrgUnit.model_validate({"name": c, "kind": "county", "parent": "昭通市", "code": COUNTY_CODES[c]})
        for c in COUNTIES
    ]
    departments = [
        OrgUnit.model_validate({"name": d, "kind": "department", "parent": "昭通市", "code": f"530600D0{n}"})
        for n, d in enumerate(("市发展改革委", "市交通运输局", "市生态环境局"), start=1)
    ]
    return city + counties + departments


def make_indicator(**overrides: Any) -> Indicator:
    data: dict[str, Any] = {
        "id": "L02-1", "name": "30户以上自然村通硬化路里程", "unit": "公里", "kind": "count",
        "comparator": "=", "target": Decimal(1240), "lead_unit": "市交通运输局",
        "quote": "自然村通硬化路**1240公里**",
    }  # fmt: skip
    return Indicator.model_validate(data | overrides)


UNIT_OF_KIND = {"count": "个", "amount": "元", "rate": "%", "share": "%", "growth": "%", "milestone": "家"}


def kind_indicator(code: str, kind: str, comparator: str, target: int, **extra: Any) -> Indicator:
    """An indicator `指标<code>` of `kind` in that kind's usual unit; `breakdown` may be a plain {unit: target}."""
    if isinstance(extra.get("breakdown"), dict):
        extra["breakdown"] = Breakdown(targets={k: Decimal(v) for k, v in extra["breakdown"].items()})
    return Indicator(id=code, name=f"指标{code}", unit=UNIT_OF_KIND[kind], kind=kind, comparator=comparator,
                     target=Decimal(target), **extra)  # fmt: skip


def make_plan(*, indicators: list[Indicator] | None = None, **overrides: Any) -> Plan:
    task = Task(code="2", title="建好农村公路", indicators=indicators or [make_indicator()])
    data: dict[str, Any] = {
        "region": "昭通市", "year": 2026, "title": "昭通市2026年重点工作", "units": make_units(),
        "areas": [Area(code="L", name="2026 10件惠民实事", livelihood=True, tasks=[task])],
    }  # fmt: skip
    return Plan.model_validate(data | overrides)
