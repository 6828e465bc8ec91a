"""Whole small documents, one layout class per row: (text, the targets expected as value/unit/comparator)."""

from pathlib import Path

import pytest

from duban.ingest.service import ingest_document


def targets(tmp_path: Path, text: str) -> list[tuple[str, str, str]]:
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    return [(str(i.target), i.unit, i.comparator.value) for i in ingest_document(path=path).plan.indicators()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a bullet before a heading that names a year and a part of the report: the review ends there
        (
            "政府工作报告摘要\n■ 2024年成绩单\n●预计全省地区生产总值增长6%左右\n●粮食总产达到557亿斤\n"
            "■ 2025年主要预期目标\n●经济增长6%左右\n●粮食产量继续保持500亿斤以上\n",
            [("6", "%", "~"), ("50000000000", "斤", ">=")],
        ),
        # a paragraph that ends with its reporter's name is a paragraph, not a photo caption
        (
            "某县确定今年为民十件实事\n这10件实事分别为:一是新增停车位300个;二是床位不少于150个。(特约记者张三)\n",
            [("300", "个", "="), ("150", "个", ">=")],
        ),
        # a lead paragraph introducing a 实事 list: its rows are plans, 建成 included
        (
            "1月23日,某县人民代表大会依法票决确定2025年某县民生实事项目,共3项,分别是:\n序号 | 项目名称 |\n"
            "1 | 名医下乡项目:建设名医基层工作站5个 |\n2 | 新市民项目:建成2家新市民服务中心,服务新市民2万人次以上 |\n",
            [("5", "个", "="), ("2", "家", "="), ("20000", "人次", ">=")],
        ),
        # (n) items run on one line; 总投资…的项目 is the size of a project
        (
            "县政府将重点抓好3件大事。分别是: (1)加快建设总投资7.58亿元的县医院迁建项目。 "
            "(2)新建行政村公共厕所120座。 (3)积极引导1000名以上高校毕业生到基层就业。\n",
            [("120", "座", "="), ("1000", "名", ">=")],
        ),
        # a progress table: the county heading its rows scopes them; 完成…,完成率… is progress; '*2.' and
        # '3.90%' after item 2 are items 2 and 3 (90%, not 3.90%)
        (
            "2023年3月份各县区进展情况表\n县区 项目名称 年度目标任务 完成进度\n寿县 一、就业促进行动\n"
            "*1.开发公益性岗位540个 完成838个,完成率155.19%\n*2.新增技能人才4000人 完成736人,完成率18.04%\n"
            "3.90%的二级综合医院单独设置口腔科 已完成\n",
            [("540", "个", "="), ("4000", "人", "="), ("90", "%", "=")],
        ),
        # a completion report: what a sentence opening with 已 reports runs on to its 完成率, unless a clause
        # of the sentence plans ahead (力争…)
        (
            "某市2024年民生实事完成情况\n(一)已新增老年助餐点30个、认知照护床位200张,整体完成率110%。\n"
            "(二)已建成口袋公园12个,新增绿地5万平方米,完成率120%,力争年底前再建成口袋公园8个。\n",
            [("8", "个", "=")],
        ),
        # a progress table: a month's plan ('4月:…', the 月度工作计划 column) is a milestone, a cell opening
        # with 已完成 is progress, even when a missing cell shifts it under another column
        (
            "2024年4月民生实事项目进展情况汇总表\n序号 | 项目内容 | 月度工作计划 | 牵头单位 | 落实情况 |\n"
            "1 | 免费筛查60岁以上人群7400人。 | 4月:完成筛查1480人(20%)。 | 已完成。 完成筛查3495人。 | |\n"
            "2 | 培训应急救护人员235人。 | 完成培训65人。 | 县红十字会 | 已完成。 3月开展培训;完成47个点位设置。 |\n",
            [("7400", "人", "="), ("235", "人", "=")],
        ),
        # the vote that chose the list: delegates and candidate projects are counted, not planned
        (
            "某县票决产生2025年民生实事项目\n在县人民代表大会第五次会议上,到会的160名人大代表对12个民生实事"
            "候选项目进行票决,9个项目被确定为2025年民生实事项目。\n实施30公里农村公路提档升级;\n",
            [("30", "公里", "=")],
        ),
        # '作为全省首批8个…城市' says what the city is; '10件民生实事48个子项目' counts the document's parts
        (
            "某市2025年民生实事\n作为全省首批8个儿童友好试点城市,今年建设儿童友好试点单元40个。\n"
            "今年办好10件民生实事48个子项目:新增托位500个。\n",
            [("40", "个", "="), ("500", "个", "=")],
        ),
        # 控制在…左右 is a ceiling; an index without a unit counts points; '1500/人' of a subsidy standard is 元/人
        (
            "某市2025年主要预期目标\n居民消费价格涨幅控制在3%左右,健康某市发展指数达85。\n"
            "对符合条件的毕业生按1500/人的标准发放求职补贴。\n",
            [("3", "%", "<="), ("85", "分", "="), ("1500", "元/人", "=")],
        ),
        # a progress report: the year's plan is stated, then what the first three quarters did, the set the
        # figures are of ('…80个重点项目中'), subsets ('…的有50个', '列入…的12个') and shares of the plan
        (
            "今年某市共安排重点项目80个,年度计划投资120亿元。前三季度,累计完成投资100亿元,占年度计划的83%。\n"
            "据了解,安排的80个重点项目中,目前已开工70个;完成投资高于时序进度的有50个,其中有20个项目已完工;"
            "列入省重点项目的12个,累计完成投资60亿元,占年度计划90%。\n",
            [("80", "个", "="), ("12000000000", "元", "=")],
        ),
        # the sites whose people a task serves are its scope; a footnote mark ([21]) sits between name and figure
        (
            "某县2025年重点工作\n确保6个易地扶贫搬迁安置点群众搬得出、稳得住,新开发“双协员”[21]305个,"
            "实施技能培训3000人以上。\n",
            [("305", "个", "="), ("3000", "人", ">=")],
        ),
        # after the ● goals, an unbulleted line without figures heads a review ('…巩固延续'); a plan's 发展基础
        # section describes what exists
        (
            "某省2025年主要预期目标\n●地区生产总值增长5%左右;\n●城镇新增就业50万人以上。\n“稳”的态势巩固延续\n"
            "●经济规模稳步扩大\n地区生产总值达到5.9万亿元、增长5%,居全国前列。\n一、发展基础\n"
            "全省现有各级各类学校541所。其中,幼儿园173所(81所民办)。\n二、主要任务\n新建幼儿园20所。\n",
            [("5", "%", "~"), ("500000", "人", ">="), ("20", "所", "=")],
        ),
        # a month's progress in prose: '20个…已完成8个(40%)' states the year's total, then the progress on it; a
        # list after '超额完成任务的已有2项:' and a figure beside its 完成率 report what was done
        (
            "某县9月份民生工程进展情况\n剩余5项中,20个农村幸福院建设已完成8个(40%)、6个公共文化空间建设已完成2个"
            "(33%),4个老旧小区改造正在施工中(90%)。\n其中超额完成任务的已有2项:实体零工驿站建设完成2个,完成率200%;"
            "为困难残疾人提供康复救助2539名,完成率100.27%;新增托位540个,千人口托位数达到3.88个,完成率260%。\n",
            [("20", "个", "="), ("6", "个", "="), ("4", "个", "=")],
        ),
        # an excerpt of a review that opens '2024年,我们…' (no 将, no 要): what was done, though 2024 is its only year
        (
            "2024年,我们用心用情办实事,发展成果可感可及\n民生实事见行见效。投入资金1.55亿元,新建农村寄递物流综合服务"
            "站点25个。\n",
            [],
        ),
        # a supervision office's mid-year report: the reporting period leads a paragraph and runs on past its
        # semicolons and full stops; the targets restated before it stay targets
        (
            "某市2021年重点工作上半年完成情况\n1.新开工亿元以上产业项目100个。上半年,全市完成地区生产总值802.81亿元;"
            "社会固定资产投资增长86.1%。引进亿元及以上项目107个,新开工亿元及以上产业项目80个。\n",
            [("100", "个", "=")],
        ),
        # the parts of a target in brackets ('(其中:…)', '(含…)'), a design size (设计…规模为) and the count of the
        # list's projects ('共10个项目被列入…') are not targets of their own
        (
            "某县2026年政府民生实事项目\n今年我县共10个项目被列入2026年政府民生实事项目。\n"
            "1. 对农村公路危桥改造12座(其中:1座四五类危桥、11座宽路窄桥),农村公路道路改造17.6公里(其中:县道大修"
            "6公里,乡村道维修11.6公里)。\n2. 在马桥镇新建设计供水规模为6000立方米水厂一座,新建农桥9座。\n",
            [("12", "座", "="), ("17.6", "公里", "="), ("9", "座", "=")],
        ),
    ],
)
def test_document_classes(tmp_path: Path, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert targets(tmp_path, text) == expected


def test_a_county_heading_rows_scopes_them(tmp_path: Path) -> None:
    path = tmp_path / "progress.txt"
    path.write_text("各县区进展情况表\n寿县 一、就业促进行动\n1.开发公益性岗位540个 完成838个,完成率155.19%\n",
                    encoding="utf-8")  # fmt: skip
    plan = ingest_document(path=path).plan
    assert [i.scope.shorthand() for i in plan.indicators()] == ["寿县"]
    assert "寿县" in {u.name for u in plan.units}


def test_bullets_are_not_part_of_indicator_names(tmp_path: Path) -> None:
    path = tmp_path / "goals.txt"
    path.write_text("主要预期目标\n●经济增长6%左右\n▶新增公共停车位800个。\n", encoding="utf-8")
    assert [i.name for i in ingest_document(path=path).plan.indicators()] == ["经济增长", "新增公共停车位"]
