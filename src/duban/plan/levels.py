"""A plan's level and the words it gives the plan's documents: the one place for 省/市/县.

A province's bulletin goes to 各市（州） and the 省直部门, a city's to 各县（市、区） and the 市直部门, a county's
to 各乡镇（街道） and the 县直部门; each ranks the regions one level below its top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from duban.choices import TOP_KINDS, OrgKind
from duban.plan.model import Plan

# the kind of region right below each level's top, and its short name
BELOW = {OrgKind.PROVINCE: OrgKind.CITY, OrgKind.CITY: OrgKind.COUNTY, OrgKind.COUNTY: OrgKind.TOWNSHIP}
SHORT = {OrgKind.PROVINCE: "省", OrgKind.CITY: "市", OrgKind.COUNTY: "县"}
YOU = {OrgKind.CITY: "你市（州）", OrgKind.COUNTY: "你县", OrgKind.TOWNSHIP: "你乡镇（街道）"}
REGION_WORDS = {OrgKind.CITY: "市（州）", OrgKind.COUNTY: "县（市、区）", OrgKind.TOWNSHIP: "乡镇（街道）"}
REGION_SHORT = {
    OrgKind.CITY: "市州",
    OrgKind.COUNTY: "县区",
    OrgKind.TOWNSHIP: "乡镇",
}  # a sheet's or a table's name


@dataclass(frozen=True)
class Level:
    """The level of a plan's top unit: 省, 市 or 县."""

    top: OrgKind

    @property
    def short(self) -> str:
        """省, 市 or 县: 省政府督查室, 省级层面."""
        return SHORT[self.top]

    @property
    def whole(self) -> str:
        """全省, 全市 or 全县."""
        return f"全{self.short}"

    @property
    def ranked(self) -> OrgKind:
        """The kind of unit one level below the top: the regions the plan ranks and addresses."""
        return BELOW[self.top]

    @property
    def regions(self) -> str:
        """市（州）, 县（市、区） or 乡镇（街道）: the regions below the top, as a heading names them."""
        return REGION_WORDS[self.ranked]

    @property
    def regions_short(self) -> str:
        """市州, 县区 or 乡镇: the regions below the top where a table's or a worksheet's name is short."""
        return REGION_SHORT[self.ranked]

    @property
    def you(self) -> str:
        """你县, 你市（州） or 你乡镇（街道）: how a bulletin for one of the regions below the top addresses it."""
        return YOU[self.ranked]

    @property
    def departments(self) -> str:
        """省直部门, 市直部门 or 县直部门."""
        return f"{self.short}直部门"

    @property
    def addressees(self) -> str:
        """各县（市、区）人民政府，市直各有关部门 (a city's)."""
        return f"各{self.regions}人民政府，{self.short}直各有关部门"

    def kind_word(self, kind: OrgKind) -> str:
        """What a unit of `kind` is called in a table of units (a department: 市直部门)."""
        return REGION_WORDS.get(kind, self.departments)


def plan_level(plan: Plan) -> Level:
    """The level of the plan's top region, by `top_level` over the regions with no parent among its units."""
    names = {u.name for u in plan.units}
    return top_level([u.kind for u in plan.units if u.kind in SHORT and u.parent not in names])


def top_level(roots: Sequence[OrgKind]) -> Level:
    """The one rule for a plan's level, given its regions under none of its units (in the plan's order): the
    first province or city among them, or a county alone at the top (its townships listed or not yet); a
    city's otherwise, as a plan of counties with no unit above them is a city's."""
    top = next((kind for kind in roots if kind in TOP_KINDS), None)
    if top is None:
        top = OrgKind.COUNTY if list(roots) == [OrgKind.COUNTY] else OrgKind.CITY
    return Level(top)


def ranked_units(plan: Plan) -> list[str]:
    """The units the plan ranks: its regions one level below the top, in the plan's order."""
    kind = plan_level(plan).ranked
    return [u.name for u in plan.units if u.kind is kind]
