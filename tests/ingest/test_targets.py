"""Target reading, one sentence at a time: (text, the targets expected as value/unit/comparator/scope)."""

import pytest

from duban.ingest.context import DocumentFacts
from duban.ingest.targets import TARGET, BlockSetting, distributed_subjects, read_block

FACTS = DocumentFacts(region="临沅市", year=2026, counties=("镇雄县", "安化县"))


def targets_of(
    text: str, *, listed: bool = False, past_section: bool = False
) -> list[tuple[str, str, str, str]]:
    setting = BlockSetting(facts=FACTS, listed=listed, past_section=past_section)
    found = read_block(text=text, start=0, setting=setting)
    return [
        (str(c.value), c.unit, c.comparator.value, c.scope.shorthand()) for c in found if c.status == TARGET
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今年地区生产总值增长5.5%左右。", [("5.5", "%", "~", "city")]),
        ("城镇调查失业率控制在5.5%以内。", [("5.5", "%", "<=", "city")]),
        ("今年居民消费价格涨幅3%左右。", [("3", "%", "~", "city")]),
        ("全年新开工项目1000个以上。", [("1000", "个", ">=", "city")]),
        ("力争外贸进出口总额突破2亿元。", [("200000000", "元", ">", "city")]),
        ("统筹不低于40亿元涉农资金用于以工代赈。", [("4000000000", "元", ">=", "city")]),
        ("吸纳群众务工不少于10万人。", [("100000", "人", ">=", "city")]),
        ("公办幼儿园在园幼儿占比提高到58%以上。", [("58", "%", ">=", "city")]),
        (
            "力争产业投资、民间投资占比分别达到55%、45%。",
            [("55", "%", "=", "city"), ("45", "%", "=", "city")],
        ),
        (
            "确保农村劳动力、脱贫劳动力、易地搬迁劳动力转移就业率分别稳定在86%、89%、92%以上。",
            [("86", "%", ">=", "city"), ("89", "%", ">=", "city"), ("92", "%", ">=", "city")],
        ),
        ("11县(市、区)至少分别开办1家惠民大药房。", [("1", "家", ">=", "each:counties")]),
        ("各县(市、区)分别完成农村户厕改造2000户以上。", [("2000", "户", ">=", "each:counties")]),
        ("镇雄县将新建学校5所。", [("5", "所", "=", "镇雄县")]),
        (
            "完成农村公路改造600公里,其中安化县不少于120公里。",
            [("600", "公里", "=", "city"), ("120", "公里", ">=", "安化县")],
        ),
        (
            "全市污水治理率不低于70%,赤水河流域达到100%。",
            [("70", "%", ">=", "city"), ("100", "%", "=", "area:赤水河流域")],
        ),
        ("打通中心城市“断头路”31条。", [("31", "条", "=", "area:中心城市")]),
        ("力争在有条件的40个乡镇培育规上工业企业50户左右。", [("50", "户", "~", "area:有条件的40个乡镇")]),
        ("实现“全量接听、全量受理”两个100%。", [("100", "%", "=", "city"), ("100", "%", "=", "city")]),
        ("新建社区运动场20个、健身步道50公里。", [("20", "个", "=", "city"), ("50", "公里", "=", "city")]),
        ("森林覆盖率稳定在59.5%-60%。", [("59.5", "%", ">=", "city")]),
        ("新增学位1.5万个。", [("15000", "个", "=", "city")]),
        # issue 20: open units, N以上 + noun, per-capita, ratios, ranges, 超, counts of projects
        ("新增装机800千瓦。", [("800", "千瓦", "=", "city")]),
        ("集装箱吞吐量突破50万标箱。", [("500000", "标箱", ">", "city")]),
        ("人均预期寿命达到79岁。", [("79", "岁", "=", "city")]),
        ("今年改造老旧电梯30部。", [("30", "部", "=", "city")]),
        ("培训800名以上乡村医生。", [("800", "名", ">=", "city")]),
        ("覆盖150万名以上学生。", [("1500000", "名", ">=", "city")]),
        ("补助标准提高到20万元/人。", [("200000", "元/人", "=", "city")]),
        ("城乡居民收入比缩小到2.3∶1左右。", [("2.3", ":1", "~", "city")]),
        ("今年新增3—5所幼儿园。", [("3", "所", ">=", "city")]),
        ("惠及50万老人。", [("500000", "人", "=", "city")]),
        ("森林覆盖率超75%。", [("75", "%", ">", "city")]),
        ("实施60个20亿元以上项目。", [("60", "个", "=", "city")]),
        ("开展5万名40-74周岁居民癌症筛查。", [("50000", "名", "=", "city")]),
        ("为80万35—64岁妇女免费筛查。", [("800000", "人", "=", "city")]),
        ("全年助餐服务人次达200万以上。", [("2000000", "人次", ">=", "city")]),
        (
            "推出不少于200场文艺演出、400场阅读推广活动以及1000场电影放映。",
            [("200", "场", ">=", "city"), ("400", "场", ">=", "city"), ("1000", "场", ">=", "city")],
        ),
        (
            "改建80张康复床位、500张护理床位。",
            [("80", "张", "=", "city"), ("500", "张", "=", "city")],
        ),
        ("积极引导1000名以上高校毕业生到基层就业。", [("1000", "名", ">=", "city")]),
        ("完成食品安全监测2800批次。", [("2800", "批次", "=", "city")]),
        ("开展送戏下乡300场次。", [("300", "场次", "=", "city")]),
        (
            "实施13所小学清凉工程,惠及学生1.5万人次。",
            [("13", "所", "=", "city"), ("15000", "人次", "=", "city")],
        ),
        (
            "在39个村改造升级10千伏线路16.66公里、0.4千伏线路200公里。",
            [("16.66", "公里", "=", "city"), ("200", "公里", "=", "city")],
        ),
        ("新建110千伏变电站3座。", [("3", "座", "=", "city")]),
        (
            "在17个乡镇硬化道路10万平方米并安装太阳能路灯1000盏。",
            [("100000", "平方米", "=", "city"), ("1000", "盏", "=", "city")],
        ),
        (
            "确保房地产投资、商品房销售面积实现“双十”增长目标。",
            [("10", "%", "=", "city"), ("10", "%", "=", "city")],
        ),
    ],
)
def test_targets(text: str, expected: list[tuple[str, str, str, str]]) -> None:
    assert targets_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "回顾“十四五”,地区生产总值历史性超过2100亿元。",
        "去年夏季,到昭通避暑的游客超过1000万人次。",
        "2023年以来,全市常住人口城镇化率提高6个百分点,达45%。",
        "2025年,全市地区生产总值完成2856亿元,增长5.3%。",
        "过去一年,城镇新增就业3.1万人。",
        "交通提质是发展的最大支撑。高速公路通车里程超过1000公里,叙毕铁路建成运营。",
        "全市已建成污水处理厂12座。",
        "镇雄县初步谋划储备项目55个,2026年计划开工建设。",
        "昭通市将发挥23个“两重”项目带动作用。",
        "加快524个续建项目进度。",
        "云铝海鑫70万吨绿色铝项目。",
        "做实水富5GWh锂离子电池生产基地前期工作。",
        "加快打造百万亩竹产业生产示范区、2万亩加工型马铃薯生产基地。",
        "推进年产30万吨新能源材料项目建设。",
        "3000吨级以上船舶可通江达海,跻身千万吨级枢纽港口行列。",
        "完成30户以上自然村通硬化路建设。",
        "锚定“3815”战略发展目标,构建“4+2”一体化发展布局。",
        "畅通12389举报投诉渠道,1月19日召开会议。",
        "重点抓好8个方面工作,办好10件惠民实事。",
        "扎实开展第三轮爱国卫生专项行动,实施“五场硬仗”。",
        "消除56人以上超大班额。",
        "项目进度滞后了3个月。",
        "新华网1月8日电 2025年,预计全市地区生产总值增长5%左右;居民收入增长6%。",
        "为全市65岁以上老年人免费体检。",
        "加快建设总投资7.58亿元的县医院迁建项目。",
        "画册分为《2014交通建设会议》等。",
        "对城区主干线路两侧10千伏线路进行升级改造。",
    ],
)
def test_not_targets(text: str) -> None:
    assert targets_of(text) == []


def test_review_section_numbers_are_past() -> None:
    assert targets_of("全市新增学位2.3万个。", past_section=True) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("产业投资、民间投资占比", ["产业投资占比", "民间投资占比"]),
        ("农村劳动力、脱贫劳动力(含监测对象)、易地搬迁劳动力转移就业率",
         ["农村劳动力转移就业率", "脱贫劳动力(含监测对象)转移就业率", "易地搬迁劳动力转移就业率"]),
        ("力争城镇、农村居民人均可支配收入", ["城镇居民人均可支配收入", "农村居民人均可支配收入"]),
    ],
)  # fmt: skip
def test_distributed_subjects(text: str, expected: list[str]) -> None:
    assert distributed_subjects(text) == expected


@pytest.mark.parametrize(
    ("text", "aspiration", "kind"),
    [
        ("力争农业综合产值突破1900亿元。", True, "amount"),
        ("地区生产总值增长5.5%左右。", False, "growth"),
        ("农村生活污水治理率不低于70%。", False, "rate"),
        ("力争“柔性”执法占比不低于30%。", True, "share"),
        ("改造老旧小区72个。", False, "count"),
        ("高水平打造1家口腔专科医院。", False, "milestone"),
    ],
)
def test_aspiration_and_kind(text: str, aspiration: bool, kind: str) -> None:
    [found] = [
        c for c in read_block(text=text, start=0, setting=BlockSetting(facts=FACTS)) if c.status == TARGET
    ]
    assert (found.aspiration, found.kind.value) == (aspiration, kind)


def test_a_range_is_read_as_its_lower_bound_and_kept_in_the_note() -> None:
    [found] = [c for c in read_block(text="今年新增3—5所幼儿园。", start=0, setting=BlockSetting(facts=FACTS))
               if c.status == TARGET]  # fmt: skip
    assert (str(found.value), found.comparator.value, found.note) == ("3", ">=", "区间目标:3—5所(上限 5所)")
