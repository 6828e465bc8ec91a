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
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    DEPARTMENT = "department"


# the kinds of unit at the head of a plan's tree: a province above its cities, or a city above its counties
TOP_KINDS = frozenset({OrgKind.PROVINCE, OrgKind.CITY})
TOP_KIND_VALUES = tuple(sorted(kind.value for kind in TOP_KINDS))


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
    PENDING = "pending"  # only a figure awaiting review: shown as such, neither missing nor judged

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


class ReportState(LabelledEnum):
    """Where a unit's figure for one indicator and period stands: the one vocabulary every face uses."""

    MISSING = "missing"
    PENDING = "pending"
    RETURNED = "returned"
    APPROVED = "approved"

    @classmethod
    def of(cls, state: EntryState | str | None) -> ReportState:
        """未报送 (nothing, or only a draft), 待审核, 已退回 or 已审核."""
        found = EntryState(state) if state else EntryState.DRAFT
        return _REPORT_STATES[found]


class ReportingState(LabelledEnum):
    REPORTED = "reported"
    LATE = "late"
    MISSING = "missing"


_REPORT_STATES = {
    EntryState.DRAFT: ReportState.MISSING,
    EntryState.SUBMITTED: ReportState.PENDING,
    EntryState.RETURNED: ReportState.RETURNED,
    EntryState.APPROVED: ReportState.APPROVED,
}

_STATUS_COLOURS = {
    "done": "#1a7f37",
    "ahead": "#2da44e",
    "on_track": "#54aeff",
    "behind": "#d4a72c",
    "far_behind": "#cf222e",
    "not_reported": "#8c959f",
    "pending": "#8250df",
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
    "OrgKind": {
        "province": "省",
        "city": "市",
        "county": "县（市、区）",
        "township": "乡镇（街道）",
        "department": "市直部门",
    },
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
        "pending": "待审核",
    },
    "ReportState": {"missing": "未报送", "pending": "待审核", "returned": "已退回", "approved": "已审核"},
    "EntryState": {"draft": "填报", "submitted": "已提交", "approved": "审核通过", "returned": "退回"},
    "MilestoneStage": {
        "not_started": "未启动",
        "preparing": "前期",
        "underway": "实施中",
        "completed": "已完成",
    },
    "Role": {"admin": "督查室", "reporter": "填报员", "leader": "领导"},
    "BreakdownStatus": {"draft": "草案", "confirmed": "已确认"},
}


# ── Project ledger (项目库) ──────────────────────────────────────────────────


class ProjectCategory(LabelledEnum):
    INDUSTRY = "industry"
    INFRASTRUCTURE = "infrastructure"
    LIVELIHOOD = "livelihood"
    ECOLOGY = "ecology"
    OTHER = "other"


class ProjectKind(LabelledEnum):
    NEW = "new"
    CONTINUING = "continuing"


class InvestorType(LabelledEnum):
    STATE = "state"
    PRIVATE = "private"
    FOREIGN = "foreign"


class ProjectStage(LabelledEnum):
    RESERVE = "reserve"
    PREPARING = "preparing"
    STARTED = "started"
    REGISTERED = "registered"
    COMPLETED = "completed"


class ProjectMilestone(LabelledEnum):
    LAND = "land"
    EIA = "eia"
    APPROVAL = "approval"
    START = "start"
    REGISTERED = "registered"
    COMPLETED = "completed"


class Light(LabelledEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


_LABELS |= {
    "ProjectCategory": {
        "industry": "产业",
        "infrastructure": "基础设施",
        "livelihood": "社会民生",
        "ecology": "生态环保",
        "other": "其他",
    },
    "ProjectKind": {"new": "新开工", "continuing": "续建"},
    "InvestorType": {"state": "国有", "private": "民间", "foreign": "外资"},
    "ProjectStage": {
        "reserve": "储备",
        "preparing": "前期",
        "started": "开工",
        "registered": "入库纳统",
        "completed": "竣工投产",
    },
    "ProjectMilestone": {
        "land": "用地",
        "eia": "环评",
        "approval": "立项",
        "start": "开工",
        "registered": "入库纳统",
        "completed": "竣工投产",
    },
    "Light": {"green": "绿灯", "yellow": "黄灯", "red": "红灯"},
    "ReportingState": {"reported": "按时报送", "late": "逾期报送", "missing": "未报送"},
}


# ── Supervision items (督办) ──────────────────────────────────────────────────


class ItemState(LabelledEnum):
    PENDING = "pending"
    HANDLING = "handling"
    ANSWERED = "answered"
    CLOSED = "closed"


class ItemAction(LabelledEnum):
    OPEN = "open"
    SIGN = "sign"
    ANSWER = "answer"
    RETURN = "return"
    CLOSE = "close"


class ItemCause(LabelledEnum):
    FAR_BEHIND = "far_behind"
    BEHIND = "behind"
    REPORT_OVERDUE = "report_overdue"
    PROJECT_RED = "project_red"
    MANUAL = "manual"


class Colour(LabelledEnum):
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"

    @property
    def rank(self) -> int:
        return list(Colour).index(self) + 1


_LABELS |= {
    "ItemState": {"pending": "待签收", "handling": "办理中", "answered": "已反馈", "closed": "已办结"},
    "ItemAction": {"open": "立项交办", "sign": "签收", "answer": "反馈", "return": "退回", "close": "办结"},
    "ItemCause": {
        "far_behind": "严重滞后",
        "behind": "持续滞后",
        "report_overdue": "逾期未报送",
        "project_red": "项目亮红灯",
        "manual": "督查室交办",
    },
    "Colour": {"blue": "蓝色", "yellow": "黄色", "red": "红色"},
}


class RevisionState(LabelledEnum):
    """A target revision: proposed, then approved by the office before it counts."""

    PENDING = "pending"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"  # its plan revision was undone


_LABELS |= {"RevisionState": {"pending": "待审批", "approved": "已批准", "withdrawn": "已撤销"}}


class FinalStatus(LabelledEnum):
    """The year-end verdict of 年终考核 (`duban.progress.final`)."""

    DONE = "done"
    MOSTLY_DONE = "mostly_done"
    NOT_DONE = "not_done"


class ItemFate(LabelledEnum):
    """What the year close does with an open 督办 item."""

    CARRY = "carry"
    CLOSE = "close"


_LABELS |= {
    "FinalStatus": {"done": "完成", "mostly_done": "基本完成", "not_done": "未完成"},
    "ItemFate": {"carry": "结转下一年度", "close": "年终办结"},
}
