"""Read targets out of clauses: which numbers are targets, and their name, comparator and scope.

Numbers that are not targets are kept too, with the reason, so that a reviewer sees them.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from duban.choices import Comparator, IndicatorKind
from duban.ingest.clauses import Clause, clauses_of, sentences
from duban.ingest.context import DocumentFacts
from duban.ingest.numbers import parse_number
from duban.ingest.quantities import CLASSIFIERS, Quantity, find_quantities
from duban.plan.horizon import FIFTEENTH_FIVE_YEAR_END
from duban.plan.model import Scope

TARGET, PAST, SCALE, OTHER = "target", "past", "scale", "other"
MAX_NUMBERS_PER_CLAUSE = 30

_FUTURE = re.compile(
    r"将|要|力争|争取|确保|计划|今年|明年|预计|目标|预期|全年|年内|新增|新建|启动|完成|实施|推进|推动"
    r"|加快|开展|建设|打造|改造|提高到|提升|不低于|不少于|不超过|控制在"
)
_STRONG_FUTURE = re.compile(
    r"将|要|力争|争取(?!到)|确保|计划|今年|明年|目标|预期|年内|不低于|不少于|不超过|控制在"
)
_ACCOMPLISHED = re.compile(
    r"获批|争取到|争取到位|创历史新高|创历史最好|成功(?:招引|引进|举办|创建|入选|获评)|同比|比上年|较上年|完成竞配"
)
_PAST_MARKERS = re.compile(r"已|建成|获评|成为|迈入|跻身|累计|去年|上年|以来|过去|回顾|截至|截止|取得|荣获")
_PAST_LEAD = re.compile(
    r"^\s*(?:回顾|过去|去年|上年|前年|近年来|近几年|多年来|截至|截止|目前|当前|\d{4}年以来|\d{4}年至今"
    r"|“?十[一二三四五]五”?(?:以来|期间|时期))"
)
_ESTIMATE_OF_YEAR = re.compile(r"(20\d\d)年[,,]?\s*预计")
_SINCE = re.compile(r"(?:[一二三四五六七八九十两]|\d{1,2}|多|近)年来|(?:年|月)以来")
_LEAD_YEAR = re.compile(r"^\s*(\d{4})年")
_NAMED_YEAR = re.compile(r"(20\d\d)年(?!\d{1,2}月)|“?十五五”?(?:末|期末)")
_PLAN_ANCHOR = "今年|明年"
_ANCHOR_VERB = "计划|将|力争|要|预计|新开工|新增|完成|实现|确保"
_STOCK_VERB = re.compile(r"(?:发挥|依托)[^,]*$")
_STOCK_NOUN = re.compile(r"^(?:续建|在建|现有|已建|已有|存量)")
_STRUCTURAL = re.compile(
    r"^[)\u4e00-\u9fff“”]{0,8}?(?:方面|实事|大事|要事|事项|措施|举措|任务|战略|领域|环节|关键|板块|大类|指标)"
)
_FACILITY = re.compile(r"项目|基地|生产线|示范区|产业园|园区|电站|工厂|厂房|枢纽港")
_VOLTAGES = frozenset({"千伏", "伏"})
_OF_PROJECT = re.compile(r"的[^,;。、]{0,20}(?:项目|工程)")
_CAPACITY_PREFIX = re.compile(r"(?:年产|产能|年处理|年吞吐|设计[\u4e00-\u9fff]{0,4}规模为?)$")
# '危桥改造12座(其中:1座…、11座…)', '安防36.575公里(含…6.7公里…)': the parts of the target before them
_PARTS_IN_BRACKETS = re.compile(r"\((?:其中|含|包括)[::]?[^()]*$")
_LIMITERS = re.compile(r"^\s*(?:及以上|以上|以内|以下|左右|上下)")
_QUALIFIER = re.compile(r"^(?:及)?以[上下](?=[\u4e00-\u9fffA-Za-z])(?!的)")
_SCOPE_PLACES = re.compile(
    r"^[\u4e00-\u9fff]{0,3}?(?:乡镇|县|村|社区|街道|片区|园区|行政村|自然村|县市区|县区)"
)
_SUFFIX_CMP = {"及以上": Comparator.AT_LEAST, "以上": Comparator.AT_LEAST, "以内": Comparator.AT_MOST,
               "以下": Comparator.AT_MOST, "左右": Comparator.ABOUT, "上下": Comparator.ABOUT}  # fmt: skip
_PREFIX_CMP = [
    (re.compile(r"(?:不低于|不少于|不小于|≥|>=)$|至少[\u4e00-\u9fff]{0,4}$"), Comparator.AT_LEAST),
    (re.compile(r"(?:不超过|不高于|不多于|控制在|降至|降到|压减至|压缩至|≤|<=)$"), Comparator.AT_MOST),
    (re.compile(r"(?:突破|超过|大于|高于|多于|(?<![赶追])超)$"), Comparator.MORE_THAN),
    (re.compile(r"(?:约|大约|近|接近)$"), Comparator.ABOUT),
]
_ASPIRATION = re.compile(r"力争|争取|努力")
_LEAD_WORDS = re.compile(
    r"^(?:力争|争取|努力|确保|计划|预计|全年|年内|今年|明年|全市|全县|全区|其中|同时|此外|并|要|将|再|"
    r"(?:到|至)?\d{4}年(?:底前|底|末|前)?|在[^,]{1,12}?方面|通过)"
)
_TAIL_WORDS = re.compile(
    r"(?:分别|不低于|不少于|至少|不超过|不高于|达到|达|突破|超过|提高到|提升到|增加到|降至|降低到|下降到|"
    r"控制在|稳定在|保持在|为|约|大约|接近|近|超|累计|力争|争取|≥|≤|的)$"
)
_EACH_SET = re.compile(r"(?:各|每个?)(?:县|区|县\(市、区\)|县市区|县区)|\d+个?县(?:\(市、区\)|市区|区)")
_EACH_WORD = re.compile(r"分别|各|每|均")
_AREA_SCOPE = re.compile(
    r"(中心城市|中心城区|主城区|老城区|[\u4e00-\u9fff]{2,4}(?:流域|片区|库区|坝区|新区|开发区))"
)
_AREA_CUT = re.compile(r"^.*?(?:[在对于将的]|实现|推进|推动|完成|打通|建设|新建|改造|全面|加快)")
_DIGIT_NEXT = re.compile(r"\s*\d")
_WORD_NEXT = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_STATED_EQUAL = re.compile(r"(?:达到|达|提高到|提升到|增加到|稳定在|保持在|实现)$")
_NOUN_END = re.compile(r"[、等,;。(]|用于")
_GROWTH_WORDS = re.compile(r"增长|增速|涨幅|增幅|下降|降低|提高|减少|压减|缩小")
_SHARE_WORDS = re.compile(r"占比|比重|比例")
_ABOVE_OF = re.compile(r"\s*(?:及)?以上的")
_DURATION = re.compile(r"(?:滞后|提前|延后|延期|逾期|超期|落后|用|历时|耗时)了?$")
_CLASS_AFTER = re.compile(r"^(?:及)?以[上下]|^级")
_ACTION_BEFORE = re.compile(
    r"(?:培训|覆盖|惠及|服务|招聘|培养|帮扶|救助|吸纳|新增|安置|资助|筛查|体检|招募|选派|引进|带动|提供|接种|慰问"
    r"|招引|资助|转移|扶持|吸引|组织|引导|输送|招收|招录|培育|动员|吸收|发展|走访|结对|补贴|奖励)$"
)
# '1000名以上高校毕业生': 名 counts the people it names, never a class of them
_HEADCOUNTS = frozenset({"名", "人次"})
# '十个方面34项', '10件民生实事48个子项目': the items of the document's parts
_PARTS_BEFORE = re.compile(r"(?:方面|实事|大类)$")
# '到会的174名人大代表对…10个候选项目进行票决,8个项目被确定为…': the vote that chose the list
_VOTE = re.compile(r"票决|票选|表决|投票")
_VOTED = re.compile(r"^(?:名|位)?(?:人大)?代表|^[\u4e00-\u9fff]{0,6}?(?:候选)?项目")
_LISTED = re.compile(r"^[\u4e00-\u9fff]{0,6}?项目被(?:列入|确定为|纳入)")  # '共10个项目被列入…民生实事项目'
_AS_MEMBER = re.compile(r"作为[^,;。]*$")  # '温州作为全国首批14个…城市': what the place is, not a plan
_HELD_AT = re.compile(r"控制在$")
_ALREADY = "“已…”：已经完成的事实"
# a progress report: '前三季度,累计完成投资151.88亿元,占年度计划的116.69%'; '已开工76个,…的有58个'
_PERIOD_LEAD = re.compile(
    r"^\s*(?:今年|全年)?(?:前[一二三]季度|[一二三四]季度|上半年|1\s*[-—–~至]\s*\d{1,2}\s*月份?|年初以来)"
)
_PLANNING = re.compile(r"将|要|力争|争取|确保")
_NEXT_PERIOD = re.compile(r"下半年|年底|年内|全年|下一步")
_OF_PLAN = re.compile(r"(?:占|为|完成|达)(?:年度|全年|年)?(?:投资)?(?:计划|目标|任务)(?:投资)?的?$")
_DONE_SO_FAR = re.compile(r"累计完成(?:投资)?$")
_SET_OF = re.compile(r"^[\u4e00-\u9fff“”]{0,12}中$")  # '安排的82个重点项目中,…': the set of what follows
_ALREADY_AFTER = re.compile(r"^[\u4e00-\u9fff“”]{0,8}?已")  # '其中有21个项目已完工'
_PEOPLE_OF_PLACES = re.compile(
    r"^[\u4e00-\u9fff“”]{0,10}?(?:安置点|点|村|社区|小区|乡镇|街道)的?(?:群众|居民|村民|农户|住户)"
)
_ALREADY_OF = re.compile(r"已[^,;。已的]{1,12}的")
# '完成838个,完成率155.19%', '提供康复救助2539名,完成率100.27%': a figure reported beside its 完成率
_PROGRESS_REPORT = re.compile(r"[^\s,,;;。()]{1,24}[,,]\s*完成率\s*[\d.]+%")
# '15个农村幸福院建设已完成8个', '6个老旧小区改造正在施工中': the year's total, then the progress made on it
_TOTAL_THEN_PROGRESS = re.compile(
    r"[^、,,;;。()]{0,16}?(?:已[^、,,;;。\d]{0,6}\d|正在施工|正在推进|正在实施|施工中|推进中|建设中)"
)
# '其中超额完成任务的已有10项:…;…': what follows lists what was done
_DONE_LIST = re.compile(r"完成[^。::;;]{0,12}?有\s*[\d一二三四五六七八九十]+\s*[项件个][::]")
_DOUBLE = re.compile(r"“?双([一二三四五六七八九十]{1,2})”?(?:位数)?增长")
_JOINED = re.compile(r"^[^,;。:]*?(?:、|以及|及|和)\s*$")
_MULTIPLY = re.compile(r"(?:“([^”]*)”)?\s*(\d+|[一两二三四五六七八九十])个$")


@dataclass
class Candidate:
    """A number read from the text: a target, or the reason it is not one."""

    value: Decimal
    unit: str
    start: int
    end: int
    status: str
    reason: str = ""
    name: str = ""
    comparator: Comparator = Comparator.EQUAL
    aspiration: bool = False
    kind: IndicatorKind = IndicatorKind.COUNT
    scope: Scope = field(default_factory=Scope)
    confidence: float = 0.9
    flags: list[str] = field(default_factory=list)
    number_start: int = -1
    number_end: int = -1
    stated_before: bool = False  # the comparator came from a word before the number (不少于…)
    note: str = ""  # what the plan keeps beside the value: the range a lower bound was taken from
    target_year: int | None = None  # a later year the target is set for ('到2030年…达到60%')

    def flag(self, message: str, confidence: float) -> None:
        self.flags.append(message)
        self.confidence = min(self.confidence, confidence)


@dataclass(frozen=True)
class BlockSetting:
    """What the surrounding document says about a block."""

    facts: DocumentFacts
    past_section: bool = False
    listed: bool = False
    plan_section: bool = False  # a goals section or a 民生实事 list: its numbers are plans unless shown past


def read_block(*, text: str, start: int, setting: BlockSetting) -> list[Candidate]:
    """Every candidate number of one block of text, in order."""
    found: list[Candidate] = []
    mode = paragraph_mode(text, setting)
    estimated = False  # '2021年,预计…;…;…。': an earlier year's estimates run on to the full stop
    done_from = -1  # where a list of what was done begins ('超额完成任务的已有10项:')
    period = False  # '上半年,全市完成…;…。引进…107个。': a reporting period's figures run on in the paragraph
    for sentence, sentence_start in sentences(text, start):
        clauses = clauses_of(sentence, sentence_start)
        anchor = _anchor_clause(clauses, setting.facts.year)
        estimated = estimated or _estimates_earlier_year(sentence, setting.facts.year)
        done = _DONE_LIST.search(sentence)
        done_from = sentence_start + done.end() if done and done_from < 0 else done_from
        period = _reports_period(sentence, period)
        reported = False  # '已新增235个、1202张,整体完成率111.5%': what 已 reports runs on in the sentence
        for index, clause in enumerate(clauses):
            read = read_clause(clause, setting)
            for candidate in read:
                _judge_time(candidate, clause, mode, setting, before_anchor=index < anchor)
                if estimated and candidate.status == TARGET:
                    candidate.status, candidate.reason = PAST, "上一年的预计数"
                elif 0 <= done_from <= candidate.start and candidate.status == TARGET:
                    candidate.status, candidate.reason = PAST, "完成情况清单中的数"
                elif period and candidate.status == TARGET and not _total_of_progress(candidate, clause):
                    candidate.status, candidate.reason = PAST, "报告期（前三季度、1—10月）内的完成情况"
                elif reported and candidate.status == TARGET and not _carried_over(candidate, clause):
                    candidate.status, candidate.reason = PAST, "同句前文“已…”报告的完成情况"
                found.append(candidate)
            reported = reported or any(c.reason == _ALREADY for c in read)
        estimated = estimated and not sentence.rstrip().endswith(("。", "!", "?"))
    _mark_progress_reports(found, text, start)
    return found


def _reports_period(sentence: str, period: bool) -> bool:
    """Whether a sentence reports a period so far: led by one (上半年,…), or after one until a sentence plans."""
    if _PERIOD_LEAD.match(sentence):
        return not _PLANNING.search(sentence)
    return period and not (_PLANNING.search(sentence) or _NEXT_PERIOD.search(sentence))


def _carried_over(candidate: Candidate, clause: Clause) -> bool:
    """Whether a clause after an '已…' report plans (力争…) or states a total with its progress."""
    return bool(_STRONG_FUTURE.search(clause.text)) or _total_of_progress(candidate, clause)


def _total_of_progress(candidate: Candidate, clause: Clause) -> bool:
    return candidate.number_end >= 0 and bool(
        _TOTAL_THEN_PROGRESS.match(clause.text, candidate.number_end - clause.start)
    )


def _mark_progress_reports(found: list[Candidate], text: str, start: int) -> None:
    """'开发公益性岗位540个 完成838个,完成率155.19%': a 完成… beside its 完成率 reports progress, not a target."""
    spans = [(start + m.start(), start + m.end()) for m in _PROGRESS_REPORT.finditer(text)]
    for candidate in found:
        at = candidate.number_start if candidate.number_start >= 0 else candidate.start
        if candidate.status == TARGET and any(a <= at < b for a, b in spans):
            candidate.status, candidate.reason = PAST, "完成进度（完成…，完成率…）"


def _estimates_earlier_year(sentence: str, year: int) -> bool:
    estimate = _ESTIMATE_OF_YEAR.search(sentence)
    return estimate is not None and int(estimate.group(1)) < year


def paragraph_mode(text: str, setting: BlockSetting) -> str:
    """'past' for review sections and descriptions of the present, else 'plan' or 'neutral'."""
    if setting.past_section:
        return "past"
    if setting.plan_section or _STRONG_FUTURE.search(text):
        return "plan"
    if _ACCOMPLISHED.search(text):  # 获批, 创历史新高: an account of what was done, whatever verbs it uses
        return "past"
    if _FUTURE.search(text) or f"{setting.facts.year}年" in text:
        return "plan"
    if _PAST_MARKERS.search(_ALREADY_OF.sub("", text)):
        return "past"
    return "plan" if setting.listed else "neutral"


def _anchor_clause(clauses: list[Clause], year: int) -> int:
    """Index of the first clause that names the plan year after an earlier clause, else 0."""
    marker = re.compile(rf"(?:{year}年|{_PLAN_ANCHOR}),?(?:{_ANCHOR_VERB})")
    for index, clause in enumerate(clauses):
        if index > 0 and marker.search(clause.text):
            return index
    return 0


def _judge_time(
    candidate: Candidate, clause: Clause, mode: str, setting: BlockSetting, *, before_anchor: bool
) -> None:
    if candidate.status != TARGET:
        return
    at = candidate.number_start if candidate.number_start >= 0 else candidate.start
    candidate.target_year = target_year(clause.sentence[: at - clause.sentence_start], setting.facts.year)
    reason = _past_reason(
        clause,
        mode,
        setting.facts.year,
        before_anchor,
        upto=_upto(candidate, clause),
        later=candidate.target_year is not None,
        total=_total_of_progress(candidate, clause),
    )
    if reason:
        candidate.status, candidate.reason, candidate.target_year = PAST, reason, None
    elif candidate.target_year is not None:
        year = setting.facts.year
        candidate.flag(
            f"{candidate.target_year}年目标：{year}年按年度节点考核，请补充基期值或{year}年节点", 0.7
        )
    elif mode == "neutral" and candidate.target_year is None:
        candidate.flag("句中没有计划用语，可能是现状描述", 0.6)


def target_year(before: str, year: int) -> int | None:
    """The later year a target is set for: the last year its sentence names before its number, if after `year`
    ('到2030年,城镇化率达到60%' -> 2030; “十五五”末 -> 2030); None for the plan's own year."""
    named = [int(m.group(1)) if m.group(1) else FIFTEENTH_FIVE_YEAR_END for m in _NAMED_YEAR.finditer(before)]
    return named[-1] if named and named[-1] > year else None


def _upto(candidate: Candidate, clause: Clause) -> str:
    """The clause up to the candidate's number: an 已 after it ('1:1 已完成') is a progress cell."""
    upto = (
        clause.text[: candidate.number_start - clause.start] if candidate.number_start >= 0 else clause.text
    )
    return _ALREADY_OF.sub("", upto)  # '已设口腔科的医院' says which, not what was done


def _past_reason(
    clause: Clause, mode: str, year: int, before_anchor: bool, *, upto: str, later: bool, total: bool
) -> str | None:
    sentence = clause.sentence
    lead_year = _LEAD_YEAR.match(sentence)
    if mode == "past":
        return "回顾或现状描述段落"
    if _PAST_LEAD.match(sentence) or (lead_year and int(lead_year.group(1)) < year and not later):
        return "句子讲的是过去或现状"
    if "已" in upto and not total:
        return _ALREADY
    if _SINCE.search(clause.before_in_sentence + clause.text):
        return "“…年来”“…以来”：一段时间以来的成绩"
    if before_anchor and not _FUTURE.search(clause.text):
        return "计划年份之前的基数"
    return None


def read_clause(clause: Clause, setting: BlockSetting) -> list[Candidate]:
    """The candidates of one clause: rejected numbers first judged, the rest read as targets."""
    quantities = find_quantities(clause.text)
    if len(quantities) > MAX_NUMBERS_PER_CLAUSE:  # not prose; also keeps the reading linear
        return [
            _rejected(
                clause, quantities[0], OTHER, f"子句中有 {len(quantities)} 个数字，不像目标表述，未逐个识别"
            )
        ]
    found: list[Candidate] = []
    kept: list[int] = []
    for index in range(len(quantities)):
        rejection = _rejection(clause, quantities, index)
        if rejection:
            found.append(_rejected(clause, quantities[index], *rejection))
        else:
            kept.append(index)
    for run in _runs(clause.text, quantities, kept):
        found += _read_run(clause, quantities, run, kept, setting)
    found = sorted(found, key=lambda c: (c.start, c.number_start))
    _inherit_comparators(found, clause.text, clause.start)
    return found + _double_growth(clause)


def _double_growth(clause: Clause) -> list[Candidate]:
    """'房地产投资、商品房销售面积实现“双十”增长': two implicit growth targets of 10% each."""
    match = _DOUBLE.search(clause.text)
    if match is None:
        return []
    value = parse_number(match.group(1))
    subjects = [clean_name(s) for s in clean_name(clause.text[: match.start()]).split("、") if s.strip()]
    subjects = [re.sub(r"(?:实现|达到|保持)$", "", s) for s in subjects][-2:]
    found = []
    for subject in subjects or ["未命名指标"]:
        candidate = Candidate(
            value, "%", _quote_start(clause), _quote_end(clause), TARGET, name=f"{subject}增长"
        )
        candidate.kind = IndicatorKind.GROWTH
        candidate.flag(f"隐含目标：“双{match.group(1)}”增长按{plain(value)}%计，请确认", 0.7)
        found.append(candidate)
    return found


def _rejected(clause: Clause, q: Quantity, status: str, reason: str) -> Candidate:
    return Candidate(q.value, q.unit, clause.start + q.start, clause.start + q.end, status, reason)


def _next_start(text: str, quantities: list[Quantity], index: int) -> int:
    return quantities[index + 1].start if index + 1 < len(quantities) else len(text)


def noun_after(text: str, quantities: list[Quantity], index: int) -> str:
    """The words between a quantity (and its 以上/左右) and the next quantity or the clause end."""
    rest = text[quantities[index].end : _next_start(text, quantities, index)]
    return _LIMITERS.sub("", rest).strip()


def _rejection(clause: Clause, quantities: list[Quantity], index: int) -> tuple[str, str] | None:
    q, text = quantities[index], clause.text
    after, before = text[q.end :], text[: q.start]
    noun = noun_after(text, quantities, index)
    if clause.in_quotes(q.start):
        return OTHER, "引号或书名号内的名称、口号"
    if _AS_MEMBER.search(before):
        return OTHER, "身份描述（作为…的一员）"
    if q.counts and (_LISTED.match(noun) or (_VOTED.match(noun) and _VOTE.search(clause.sentence))):
        return OTHER, "票决的情况（代表人数、候选项目数）"
    if _PARTS_IN_BRACKETS.search(clause.sentence[: q.start + clause.start - clause.sentence_start]):
        return OTHER, "括号内的分项（其中…、含…）"
    if _STOCK_VERB.search(before) or _STOCK_NOUN.match(noun):
        return PAST, "现有存量（发挥…作用、续建项目）"
    if after.startswith("级"):
        return SCALE, "规模等级（…级）"
    if q.unit in _VOLTAGES:
        return SCALE, "电压等级（…千伏线路、变电站）"
    if q.counts and _DIGIT_NEXT.match(after) and not _class_follows(text, quantities, index):
        return OTHER, "后面数值的个数"
    if q.counts and (_STRUCTURAL.match(noun) or _PARTS_BEFORE.search(before)):
        return OTHER, "文件结构的计数（…个方面、…件实事）"
    if after.startswith("制"):
        return OTHER, "规格（3人制、12年制）"
    progress = _progress_figure(q, before, noun, clause.text)
    if progress:
        return progress
    if _is_scale(q, after, before, noun):
        return SCALE, "项目规模或产能"
    if _DURATION.search(before) and q.unit in ("个月", "天", "年", "小时", "工作日"):
        return OTHER, "时长（滞后、提前的时间）"
    if q.high is not None and q.unit == "岁":
        return OTHER, "年龄段（…岁的对象）"
    if _is_condition(q, after, before):
        return OTHER, "限定条件（…以上的对象）"
    if _scope_count(before, noun, quantities, index):
        return OTHER, "范围描述（在…个乡镇）"
    return None


def _progress_figure(q: Quantity, before: str, noun: str, text: str) -> tuple[str, str] | None:
    """Figures of a progress report, and counts that say which set of things, not how many to do."""
    if q.is_percent and _OF_PLAN.search(before):
        return PAST, "完成进度（占年度计划的…）"
    if _DONE_SO_FAR.search(before) and not _STRONG_FUTURE.search(text) and not _NAMED_YEAR.search(text):
        return PAST, "累计完成数（进度）"
    if before.endswith("的有") or (
        q.counts and _ALREADY_AFTER.match(noun) and not _TOTAL_THEN_PROGRESS.match(text, q.end)
    ):
        return PAST, "现状计数（…的有N个、N个项目已完工）"
    if q.counts and (_SET_OF.match(noun) or (not noun and before.endswith("的"))):
        return OTHER, "所指的一组（…中、列入…的N个）"
    if q.counts and _PEOPLE_OF_PLACES.match(noun):
        return OTHER, "范围描述（…个安置点的群众）"
    return None


def _class_follows(text: str, quantities: list[Quantity], index: int) -> bool:
    """'60个20亿元以上项目', '5万名40-74周岁居民': the next number is a class of what is counted, not its value."""
    following = quantities[index + 1] if index + 1 < len(quantities) else None
    if following is None:
        return False
    return following.unit == "岁" or bool(_CLASS_AFTER.match(text[following.end :]))


def _is_condition(q: Quantity, after: str, before: str) -> bool:
    """'30户以上自然村', '65岁以上老年人' describe whom; '培训800名以上乡村医生' counts them."""
    if q.is_percent or not _QUALIFIER.match(after):
        return False
    classifier = q.unit in CLASSIFIERS or q.inferred == "measure" or q.unit in _HEADCOUNTS
    counted = q.unit in ("人", "户", "家") and bool(_ACTION_BEFORE.search(before))
    return not (classifier or counted)


def _is_scale(q: Quantity, after: str, before: str, noun: str) -> bool:
    measure = not q.counts and not q.is_percent and q.unit != "元"
    if q.unit == "元":  # '20亿元项目', '总投资7.58亿元的县医院迁建项目': the size of a project
        return after.startswith("项目") or bool(_OF_PROJECT.match(after))
    if _CAPACITY_PREFIX.search(before) and measure:
        return True
    starts_noun = bool(_WORD_NEXT.match(after)) and not _LIMITERS.match(after)
    return measure and starts_noun and bool(_FACILITY.search(noun))


def _scope_count(before: str, noun: str, quantities: list[Quantity], index: int) -> bool:
    has_later = index + 1 < len(quantities)
    return has_later and "在" in before and bool(_SCOPE_PLACES.match(noun))


def _runs(text: str, quantities: list[Quantity], kept: list[int]) -> list[list[int]]:
    """Group kept quantities joined only by '、' (lists) or a dash (ranges)."""
    runs: list[list[int]] = []
    for index in kept:
        if runs and runs[-1][-1] == index - 1:
            between = text[quantities[index - 1].end : quantities[index].start].strip()
            if between in ("、", "-", "—", "–", "~", "至", "到", "—", "--"):
                runs[-1].append(index)
                continue
        runs.append([index])
    return runs


def _prefix(text: str, quantities: list[Quantity], index: int, kept: list[int]) -> str:
    """The words before a quantity, from the previous target number (after its '、') or the clause start."""
    earlier = [i for i in kept if i < index]
    if not earlier:
        return text[: quantities[index].start]
    prefix = text[quantities[earlier[-1]].end : quantities[index].start]
    return _LIMITERS.sub("", prefix).rsplit("、", 1)[-1]


def _read_run(
    clause: Clause, quantities: list[Quantity], run: list[int], kept: list[int], setting: BlockSetting
) -> list[Candidate]:
    first = quantities[run[0]]
    prefix = _prefix(clause.text, quantities, run[0], kept)
    between = clause.text[first.end : quantities[run[1]].start].strip() if len(run) > 1 else ""
    if len(run) == 2 and between != "、":
        return [_range_target(clause, quantities, run, prefix, setting)]
    if len(run) > 1 and "分别" in prefix:
        return _distributed(clause, quantities, run, prefix, setting)
    targets = [_target(clause, quantities, i, prefix, setting) for i in run]
    if len(run) > 1:
        for target in targets:
            target.flag("并列数值未写“分别”，请核对各自的指标", 0.6)
    return _multiplied(targets, prefix) if len(run) == 1 else targets


def _target(
    clause: Clause, quantities: list[Quantity], index: int, prefix: str, setting: BlockSetting
) -> Candidate:
    q = quantities[index]
    candidate = Candidate(q.value, q.unit, _quote_start(clause), _quote_end(clause), TARGET)
    candidate.number_start, candidate.number_end = clause.start + q.start, clause.start + q.end
    candidate.comparator, explicit = comparator_of(prefix, clause.text[q.end :])
    candidate.stated_before = explicit and not _LIMITERS.match(clause.text[q.end :])
    candidate.aspiration = bool(_ASPIRATION.search(clause.text[: q.start]))
    candidate.name = indicator_name(prefix, noun_after(clause.text, quantities, index), q)
    candidate.kind = kind_of(candidate.name, q, clause.text[q.end :])
    candidate.scope = scope_of(clause, q, quantities, setting, candidate)
    if q.approximate:
        candidate.comparator = Comparator.MORE_THAN
        candidate.flag("约数（…余、…多），请确认目标值", 0.7)
    if not candidate.name:
        candidate.name = clause.text.replace(q.text, "").strip(" ,。;") or "未命名指标"
        candidate.flag("指标名称需人工确认", 0.6)
    _mark_reading(candidate, q)
    if not explicit:
        candidate.confidence = min(candidate.confidence, 0.85)
    return candidate


def _mark_reading(candidate: Candidate, q: Quantity) -> None:
    """Ranges become lower bounds; units that were inferred are flagged for review."""
    if q.high is not None:
        candidate.comparator = Comparator.AT_LEAST
        candidate.note = f"区间目标：{q.text}（上限 {plain(q.high)}{q.unit}）"
        candidate.flag(f"区间目标 {q.text}，按下限计，上限为{plain(q.high)}{q.unit}", 0.75)
    if q.inferred == "measure":
        candidate.flag(f"单位“{q.unit}”按量词推断，请确认", 0.8)
    elif q.inferred == "noun":
        candidate.flag(f"原文未写单位，按“{q.unit}”计，请确认", 0.6)


def plain(value: Decimal) -> str:
    """A decimal as written in Chinese text: 5, 1.5."""
    return format(value.normalize(), "f")


def _inherit_comparators(found: list[Candidate], text: str, offset: int) -> None:
    """'不少于200场演出、400场活动': a comparator stated before the first item of a 、-list holds for all."""
    targets = [c for c in found if c.status == TARGET and c.number_start >= 0]
    for previous, current in itertools.pairwise(targets):
        gap = text[previous.number_end - offset : current.number_start - offset]
        if (
            previous.stated_before
            and not current.stated_before
            and current.comparator == Comparator.EQUAL
            and _JOINED.search(gap)
        ):
            current.comparator = previous.comparator
            current.stated_before = True


def _quote_start(clause: Clause) -> int:
    return clause.start + len(clause.text) - len(clause.text.lstrip())


def _quote_end(clause: Clause) -> int:
    return clause.start + len(clause.text.rstrip(" 。;!?,"))


def comparator_of(prefix: str, after: str) -> tuple[Comparator, bool]:
    """The comparator that the words around a number give, and whether any word gave it."""
    suffix = _LIMITERS.match(after)
    stated = _SUFFIX_CMP[suffix.group(0).strip()] if suffix else None
    if stated is Comparator.ABOUT and _HELD_AT.search(prefix.rstrip()):
        return Comparator.AT_MOST, True  # '涨幅控制在3%左右': a ceiling, stated roughly
    if stated is not None:
        return stated, True
    words = prefix.rstrip()
    for pattern, comparator in _PREFIX_CMP:
        if pattern.search(words):
            return comparator, True
    explicit = bool(_STATED_EQUAL.search(words))
    return Comparator.EQUAL, explicit


def indicator_name(prefix: str, noun: str, q: Quantity) -> str:
    """What is measured: the words before the number, plus the counted noun after it."""
    name = clean_name(prefix)
    if q.counts or len(name) <= 2:
        name += _NOUN_END.split(noun.removeprefix("的"), maxsplit=1)[0] if noun else ""
    return name.strip(" 、,")


def clean_name(text: str) -> str:
    """Strip list bullets, leading hedges (力争, 2026年) and trailing comparator words (不低于, 达到)."""
    name = text.strip(" 、,").lstrip("▶►▸•●■◆◇★☆√✓·→*※ ")
    for pattern in (_LEAD_WORDS, _TAIL_WORDS):
        previous = None
        while previous != name:
            previous, name = name, pattern.sub("", name).strip(" 、,")
    return name


def kind_of(name: str, q: Quantity, after: str) -> IndicatorKind:
    """Count, amount, rate, share or growth, from the unit and the indicator's wording."""
    if q.is_percent:
        if _GROWTH_WORDS.search(name) or q.unit == "百分点":
            return IndicatorKind.GROWTH
        if _SHARE_WORDS.search(name) or _ABOVE_OF.match(after):
            return IndicatorKind.SHARE
        return IndicatorKind.RATE
    if q.counts:
        return IndicatorKind.MILESTONE if q.value == 1 else IndicatorKind.COUNT
    return IndicatorKind.AMOUNT


def scope_of(
    clause: Clause, q: Quantity, quantities: list[Quantity], setting: BlockSetting, candidate: Candidate
) -> Scope:
    """Each county, one named county, a sub-area, or the whole region."""
    before = clause.text[: q.start]
    if _EACH_SET.search(clause.text) and _EACH_WORD.search(clause.text):
        if setting.facts.counties:
            candidate.flag("目标按各县（市、区）分别计", 0.8)
            return Scope(kind="each")
        candidate.flag("各县（市、区）分别的目标，但文中未列出县名，暂按全市计", 0.5)
        return Scope()
    place = _scope_place(clause.text, quantities, q)
    if place:
        return Scope(kind="area", area=place)
    county = _nearest_county(clause.before_in_sentence[-200:] + before, setting.facts.counties)
    if county:
        return Scope(kind="unit", unit=county)
    area = _AREA_SCOPE.findall(before)
    return Scope(kind="area", area=_AREA_CUT.sub("", area[-1]) or area[-1]) if area else Scope()


def _scope_place(text: str, quantities: list[Quantity], q: Quantity) -> str | None:
    """'有条件的40个乡镇' when a count of places is the scope of a later number in the clause; a bare
    count ('在39个村改造线路200公里') spreads the work over places without naming a part of the region."""
    for index, other in enumerate(quantities):
        if other.start >= q.start:
            break
        noun = noun_after(text, quantities, index)
        start = text.rfind("在", 0, other.start) + 1
        if start < other.start and _scope_count(text[: other.start], noun, quantities, index):
            place = _SCOPE_PLACES.match(noun)
            return text[start : other.end] + (place.group(0) if place else "")
    return None


def _nearest_county(text: str, counties: tuple[str, ...]) -> str | None:
    found = [(text.rfind(c), c) for c in counties if c in text]
    return max(found)[1] if found else None


def _range_target(
    clause: Clause, quantities: list[Quantity], run: list[int], prefix: str, setting: BlockSetting
) -> Candidate:
    low, high = quantities[run[0]], quantities[run[1]]
    candidate = _target(clause, quantities, run[0], prefix, setting)
    candidate.comparator = Comparator.AT_LEAST
    candidate.flag(f"区间目标，上限为{high.text}", 0.75)
    candidate.value = low.value if low.unit == high.unit else candidate.value
    return candidate


def _distributed(
    clause: Clause, quantities: list[Quantity], run: list[int], prefix: str, setting: BlockSetting
) -> list[Candidate]:
    """'A、B占比分别达到55%、45%' -> one target per subject."""
    last = quantities[run[-1]]
    targets = [_target(clause, quantities, i, prefix, setting) for i in run]
    comparator, _ = comparator_of(prefix, clause.text[last.end :])
    subjects = distributed_subjects(prefix.split("分别")[0])
    for target in targets:
        target.comparator = comparator
    if len(subjects) != len(targets):
        for target in targets:
            target.flag("“分别”的主语与数值个数不一致，请核对", 0.5)
        return targets
    for target, subject in zip(targets, subjects, strict=True):
        target.name = subject
        target.kind = kind_of(subject, quantities[run[0]], "")
        target.flag("按“分别”拆分，请核对各自的主语", 0.85)
    return targets


def distributed_subjects(text: str) -> list[str]:
    """Split 'A、B(注)、C转移就业率' into full names, giving A and B the shared ending of C."""
    items = [clean_name(s) for s in _split_outside_parens(clean_name(text))]
    if len(items) < 2:
        return items
    suffix = shared_suffix(items[0], items[-1])
    if not suffix and all(len(i) <= 4 for i in items[:-1]):  # 城镇、农村居民收入: parallel qualifiers
        suffix = items[-1][len(items[0]) :]
    return [item if item.endswith(suffix) else item + suffix for item in items]


def _split_outside_parens(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char in "(“") - (char in ")”")
        if char == "、" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def shared_suffix(first: str, last: str) -> str:
    """The ending of `last` after the longest tail of `first` that it repeats (投资 -> 占比)."""
    for size in range(len(first), 0, -1):
        tail = first[-size:]
        at = last.rfind(tail)
        if at >= 0 and at + size < len(last):
            return last[at + size :]
    return ""


def _multiplied(targets: list[Candidate], prefix: str) -> list[Candidate]:
    """'“全量接听、全量受理”两个100%' -> one target per quoted item."""
    match = _MULTIPLY.search(prefix.rstrip())
    if not match or not targets:
        return targets
    count_text = match.group(2)
    count = int(parse_number(count_text))
    items = [i.strip() for i in (match.group(1) or "").split("、") if i.strip()]
    base = targets[0]
    if len(items) != count or count > 20:
        base.flag(f"“{count_text}个{base.value}{base.unit}”可能是{count}项指标，请拆分", 0.6)
        return targets
    copies = [_copy_named(base, item) for item in items]
    return copies


def _copy_named(base: Candidate, name: str) -> Candidate:
    copy = Candidate(**{**base.__dict__, "flags": [*base.flags], "name": name})
    copy.flag("由“…个100%”式并列拆分", 0.85)
    return copy
