"""Facts about the whole document that target reading needs: region, plan year, county names."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*年")
_ESTIMATED = re.compile(r"[,,]?\s*预计")  # '2021年,预计…增长9%': the estimate of a year that has ended
_CITY = re.compile(
    r"([\u4e00-\u9fff]{2,3}?)(市|州|盟|地区)(?![\u4e00-\u9fff]{0,1}(?:场|民|区|县|级|直|委|政府|属|容|内|域|面))"
)
_NOT_CITY = frozenset(
    [
        "全市",
        "城市",
        "各市",
        "本市",
        "都市",
        "超市",
        "上市",
        "夜市",
        "县市",
        "门市",
        "股市",
        "省市",
        "城乡",
        "我市",
        "该市",
        "新市",
        "设市",
        "两市",
    ]
)
_COUNTY = re.compile(
    r"(?:(?<=[^\u4e00-\u9fff])|(?<=^)|(?<=[在对由和及与向将、])|(?<=其中)|(?<=支持)|(?<=推动)|(?<=包括)|(?<=鼓励))"
    r"([\u4e00-\u9fff]{2}(?:族自治)?县)(?![城域级乡委直区政])"
)
_NOT_COUNTY_START = "全各每本该其两一二三四五六七八九十市区省州郡"
_NOT_COUNTY_NAMES = frozenset(
    [
        "确保",
        "推动",
        "支持",
        "全面",
        "加快",
        "推进",
        "实现",
        "建设",
        "创建",
        "打造",
        "争创",
        "力争",
        "其他",
        "所有",
        "各个",
        "每个",
        "示范",
        "试点",
        "重点",
        "先进",
        "百强",
        "产粮",
        "贫困",
        "达标",
        "本级",
        "市辖",
        "山区",
        "农业",
        "工业",
        "旅游",
        "生态",
        "强县",
        "大县",
        "县域",
        "城区",
    ]
)


@dataclass(frozen=True)
class DocumentFacts:
    """The region and year the plan is for, and county-level units the text names."""

    region: str
    year: int
    counties: tuple[str, ...]


def document_facts(*, text: str, fallback_region: str, fallback_year: int) -> DocumentFacts:
    """Infer region, year and counties from the text, with fallbacks."""
    year = infer_year(text) or fallback_year
    region = infer_region(text) or fallback_region
    counties = tuple(c for c in find_counties(text) if c != region)
    return DocumentFacts(region=region, year=year, counties=counties)


def infer_year(text: str) -> int | None:
    """The year the first line names, else the most frequent year (ties to the later one)."""
    first_line = text.strip().split("\n", 1)[0] if text.strip() else ""
    in_title = _YEAR.search(first_line)
    if in_title:
        return int(in_title.group(1))
    counts = Counter(
        int(m.group(1)) for m in _YEAR.finditer(text[:200000]) if not _ESTIMATED.match(text, m.end())
    )
    if not counts:
        return None
    return max(counts, key=lambda y: (counts[y], y))


def infer_region(text: str) -> str | None:
    """The city or county the first line names, else the most named city, else the most named county."""
    first_line = text.strip().split("\n", 1)[0] if text.strip() else ""
    named = _named_region(first_line)
    if named:
        return named
    counts = Counter(
        m.group(1) + m.group(2)
        for m in _CITY.finditer(text[:200000])
        if m.group(1) + m.group(2) not in _NOT_CITY
    )
    counts = Counter({name: n for name, n in counts.items() if name[:2] not in _NOT_CITY})
    if counts and counts.most_common(1)[0][1] >= 2:
        return counts.most_common(1)[0][0]
    counties = Counter(find_counties(text, unique=False))
    return counties.most_common(1)[0][0] if counties else None


def _named_region(line: str) -> str | None:
    for match in _CITY.finditer(line):
        name = match.group(1) + match.group(2)
        if name not in _NOT_CITY and name[:2] not in _NOT_CITY:
            return name
    counties = find_counties(line)
    return counties[0] if counties else None


def find_counties(text: str, *, unique: bool = True) -> list[str]:
    """County names such as 镇雄县 in order of first mention."""
    names = [
        m.group(1)
        for m in _COUNTY.finditer(text[:200000])
        if m.group(1)[0] not in _NOT_COUNTY_START + "年月日"
        and m.group(1)[1] not in "全各每本该"
        and m.group(1)[:2] not in _NOT_COUNTY_NAMES
    ]
    return list(dict.fromkeys(names)) if unique else names
