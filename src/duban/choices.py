"""Every choice with a Chinese label, in one place."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a Chinese label for the UI."""

    @property
    def label(self) -> str:
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def from_label(cls, label: str) -> LabelledEnum:
        """The member whose Chinese label (or value) is `label`."""
        for member in cls:
            if label in (member.value, member.label):
                return member
        raise ValueError(f"{label!r} 不是有效的{cls.__name__}")


class IndicatorKind(LabelledEnum):
    COUNT = "count"
    AMOUNT = "amount"
    RATE = "rate"
    SHARE = "share"
    GROWTH = "growth"
    MILESTONE = "milestone"


class Comparator(LabelledEnum):
    AT_LEAST = ">="
    MORE_THAN = ">"
    EQUAL = "="
    ABOUT = "~"
    AT_MOST = "<="


class Accumulation(LabelledEnum):
    CUMULATIVE = "cumulative"
    LEVEL = "level"


class ScopeKind(LabelledEnum):
    CITY = "city"
    UNIT = "unit"
    EACH = "each"
    AREA = "area"


class OrgKind(LabelledEnum):
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    DEPARTMENT = "department"


class ProfileKind(LabelledEnum):
    LINEAR = "linear"
    QUARTERLY = "quarterly"
    SEASONAL = "seasonal"
    BACK_LOADED = "back_loaded"
    MILESTONES = "milestones"


class Status(LabelledEnum):
    DONE = "done"
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    FAR_BEHIND = "far_behind"
    NOT_REPORTED = "not_reported"

    @property
    def colour(self) -> str:
        return _STATUS_COLOURS[self.value]


class EntryState(LabelledEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class MilestoneStage(LabelledEnum):
    NOT_STARTED = "not_started"
    PREPARING = "preparing"
    UNDERWAY = "underway"
    COMPLETED = "completed"


class Role(LabelledEnum):
    ADMIN = "admin"
    REPORTER = "reporter"
    LEADER = "leader"


class BreakdownStatus(LabelledEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"


class ReportingState(LabelledEnum):
    REPORTED = "reported"
    LATE = "late"
    MISSING = "missing"


_STATUS_COLOURS = {
    "done": "#1a7f37",
    "ahead": "#2da44e",
    "on_track": "#54aeff",
    "behind": "#d4a72c",
    "far_behind": "#cf222e",
    "not_reported": "#8c959f",
}

_LABELS: dict[str, dict[str, str]] = {
    "IndicatorKind": {
        "count": "数量",
        "amount": "总量",
        "rate": "比率",
        "share": "占比",
        "growth": "增长率",
        "milestone": "节点任务",
    },
    "Comparator": {">=": "不低于", ">": "突破", "=": "达到", "~": "左右", "<=": "不超过"},
    "Accumulation": {"cumulative": "累计", "level": "时点"},
    "ScopeKind": {"city": "全市", "unit": "单个单位", "each": "各单位分别", "area": "特定区域"},
    "OrgKind": {"city": "市", "county": "县(市、区)", "township": "乡镇(街道)", "department": "市直部门"},
    "ProfileKind": {
        "linear": "按时间均衡",
        "quarterly": "按季度",
        "seasonal": "季节性",
        "back_loaded": "前慢后快",
        "milestones": "节点计划",
    },
    "Status": {
        "done": "已完成",
        "ahead": "超序时",
        "on_track": "正常",
        "behind": "滞后",
        "far_behind": "严重滞后",
        "not_reported": "未报送",
    },
    "EntryState": {"draft": "填报", "submitted": "已提交", "approved": "审核通过", "returned": "退回"},
    "MilestoneStage": {
        "not_started": "未启动",
        "preparing": "前期",
        "underway": "实施中",
        "completed": "已完成",
    },
    "Role": {"admin": "督查室", "reporter": "填报员", "leader": "领导"},
    "BreakdownStatus": {"draft": "草案", "confirmed": "已确认"},
    "ReportingState": {"reported": "按时报送", "late": "逾期报送", "missing": "未报送"},
}
