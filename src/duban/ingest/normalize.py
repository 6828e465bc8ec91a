"""Normalise scraped plan text while keeping, for every character, its offset in the original.

Repairs: full-width digits and punctuation, bold markers, stray ' and ' between Chinese words,
words broken across (blank) lines, and repeated passages left by scraping.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULL_WIDTH.update({ord("“"): ord("“"), ord("”"): ord("”")})
_INVISIBLE = re.compile("[\u200b\u200c\u200d\ufeff\u00ad]")
_BOLD = re.compile(r"\*\*|__")
_STRAY_AND = re.compile(r"(?<=[\u4e00-\u9fff])\s*(?:\band\b|&)\s*(?=[\u4e00-\u9fff])")
_LINE_BREAKS = re.compile(r"[ \t\u3000]*\n(?:[ \t\u3000]*\n)*[ \t\u3000]*")
_TERMINAL = "。!?;:”’)》】…—"
_ITEM_START = re.compile(
    r"^\s*[*※]?(?:\d{1,2}(?:[\s、.)]|$)|[一二三四五六七八九十]+、|\([一二三四五六七八九十\d]+\)|[▶►▸•●■◆◇★☆√✓·→])"
)
_NUMBER_END = re.compile(r"\d(?:\.|[十百千万亿]*)$")
_UNIT_OR_DIGIT = re.compile(r"[.\d%\u4e00-\u9fff]")
MIN_WRAPPED_LINES = 8
MIN_WRAPPED = 15  # a line wrapped by the page is long; a table cell of one number is short
_CLAUSE = re.compile(r"[^,;。!?\n\t]+[,;。!?]?")
_BYLINE = re.compile(r"(记者|通讯员|摄影|供图|来源:|责任编辑|编辑:).{0,12}$")
_PHOTO_CREDIT = re.compile(r"\s摄$")
MIN_REPEAT_RUN = 25
MAX_BYLINE = 60
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[—\-–−_]+\s*\d{1,4}\s*[—\-–−_]+|第\s*\d{1,4}\s*页(?:\s*[,,/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|(?:Page|P\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页)\s*$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\s*(\d{1,4})\s*$")
_SOURCE_LINE = re.compile(
    r"^\s*(?:信息)?(?:来源|发布时间|发布日期|发布机构|时间|作者|责任编辑|编辑|索引号|访问次数|浏览次数|字体|分享到?)"
    r"\s*[::]"
)
MIN_PAGE_GAP = 12  # lines between page numbers; list numbers (1, 2, 3 on their own lines) are closer
MIN_HEADER_REPEATS = 3


@dataclass
class NormalText:
    """Normalised text; origin[i] is the offset in `source` of text[i]."""

    text: str
    origin: list[int]
    source: str
    _newlines: list[int] | None = field(default=None, repr=False)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that [start, end) of the normalised text came from."""
        end = max(end, start + 1)
        return self.origin[start], self.origin[min(end, len(self.origin)) - 1] + 1

    def line_of(self, original_offset: int) -> int:
        """The 1-based line of the original text at an original offset."""
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.source)]
        return bisect.bisect_left(self._newlines, original_offset) + 1


def normalize(source: str) -> NormalText:
    """Apply every repair in order; each keeps the offset map."""
    text = source.translate(_FULL_WIDTH)
    current = NormalText(text=text, origin=list(range(len(text))), source=source)
    repairs = (_drop_invisible, _drop_bold, _stray_and, drop_page_furniture, _join_number_spaces)
    for repair in (*repairs, join_broken_lines, drop_repeated_passages):
        current = repair(current)
    return current


def apply_edits(nt: NormalText, edits: list[tuple[int, int, str]]) -> NormalText:
    """Replace each non-overlapping [start, end) by its text; new characters map to `start`."""
    pieces: list[str] = []
    origin: list[int] = []
    last = 0
    for start, end, replacement in sorted(edits):
        if start < last:
            continue
        pieces.append(nt.text[last:start])
        origin.extend(nt.origin[last:start])
        pieces.append(replacement)
        origin.extend([nt.origin[start] if start < len(nt.origin) else len(nt.source)] * len(replacement))
        last = end
    pieces.append(nt.text[last:])
    origin.extend(nt.origin[last:])
    return NormalText(text="".join(pieces), origin=origin, source=nt.source)


def _substitute(nt: NormalText, pattern: re.Pattern[str], replacement: str) -> NormalText:
    return apply_edits(nt, [(m.start(), m.end(), replacement) for m in pattern.finditer(nt.text)])


def _drop_invisible(nt: NormalText) -> NormalText:
    return _substitute(nt, _INVISIBLE, "")


def _drop_bold(nt: NormalText) -> NormalText:
    return _substitute(nt, _BOLD, "")


def _stray_and(nt: NormalText) -> NormalText:
    return _substitute(nt, _STRAY_AND, "和")


def drop_page_furniture(nt: NormalText) -> NormalText:
    """Delete page numbers, running headers and footers, and 来源/时间 lines, so that they neither end
    sections nor split the sentences they interrupt."""
    lines = _lines(nt.text)
    numbers = _page_numbers(lines)
    furniture = numbers | _running_lines(lines, numbers)
    furniture |= {i for i, (_, _, line) in enumerate(lines) if len(line) < 120 and _SOURCE_LINE.match(line)}
    edits = [
        (start, min(end + 1, len(nt.text)), "") for i, (start, end, _) in enumerate(lines) if i in furniture
    ]
    return apply_edits(nt, edits)


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of every line, blank ones included."""
    found, position = [], 0
    for line in text.split("\n"):
        found.append((position, position + len(line), line))
        position += len(line) + 1
    return found


def _page_numbers(lines: list[tuple[int, int, str]]) -> set[int]:
    """Decorated page numbers (— 3 —, 第3页 共10页), and bare numbers far apart from each other."""
    short = [(i, line) for i, (_, _, line) in enumerate(lines) if len(line) <= 40]
    marked = {i for i, line in short if _PAGE_NUMBER.match(line)}
    bare = [i for i, line in short if _BARE_NUMBER.match(line)]
    if not bare:
        return marked
    filled = [i for i, (_, _, line) in enumerate(lines) if line.strip()]
    rank = {line: n for n, line in enumerate(filled)}
    for n, index in enumerate(bare):
        before = rank[index] - (rank[bare[n - 1]] if n else 0)
        after = rank[bare[n + 1]] - rank[index] if n + 1 < len(bare) else MIN_PAGE_GAP
        if before >= MIN_PAGE_GAP and after >= MIN_PAGE_GAP and _continues(lines, index):
            marked.add(index)
    return marked


def _continues(lines: list[tuple[int, int, str]], index: int) -> bool:
    """Whether the text around a bare number reads on past it: a page break, not a list number."""
    before = next((line.strip() for _, _, line in reversed(lines[:index]) if line.strip()), "")
    return len(before) >= 15 and not _looks_like_heading(before)


def _running_lines(lines: list[tuple[int, int, str]], page_numbers: set[int]) -> set[int]:
    """Short unpunctuated lines repeated on every page (a running header or footer), digits ignored; on a
    document of two pages, twice, when beside its page numbers."""
    keys: dict[str, list[int]] = {}
    for index, (_, _, line) in enumerate(lines):
        stripped = line.strip()
        if _could_repeat_on_pages(stripped):
            keys.setdefault(re.sub(r"\d+", "#", stripped), []).append(index)
    rank = {line: n for n, line in enumerate(i for i, (_, _, text) in enumerate(lines) if text.strip())}
    numbered = {rank[i] for i in page_numbers if i in rank}
    return {
        i
        for found in keys.values()
        if len(found) >= 2 and _page_apart(found) and _repeats_enough([rank[i] for i in found], numbered)
        for i in found
    }


def _repeats_enough(ranks: list[int], numbered: set[int]) -> bool:
    """Three repeats, or two that stand beside page numbers (or open the document)."""
    return len(ranks) >= MIN_HEADER_REPEATS or all(r == 0 or {r - 1, r + 1} & numbered for r in ranks)


def _page_apart(found: list[int]) -> bool:
    """Whether repeats stand a page apart, as running headers do, not close together like table cells."""
    return min(b - a for a, b in itertools.pairwise(found)) >= MIN_PAGE_GAP


def _could_repeat_on_pages(line: str) -> bool:
    short = 2 <= len(line) <= 40 and "\t" not in line and "|" not in line
    return short and not _SENTENCE_MARKS.search(line) and len(_HAN.findall(line)) >= 2


_SENTENCE_MARKS = re.compile(r"[,。;!?、:]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NUMBER_SPACE = re.compile(
    r"(?<=[\d.%])[ \u00a0]{1,2}(?=[十百千万亿%\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[ \u00a0](?=\d)"
)


def _join_number_spaces(nt: NormalText) -> NormalText:
    """'134.9 万亿元', '3 万人次', '2024 年': spaces a PDF text layer puts between a number and its words."""
    edits = []
    for match in _NUMBER_SPACE.finditer(nt.text):
        line_start = nt.text.rfind("\n", 0, match.start()) + 1
        head = nt.text[line_start : match.start()]
        if head.strip() and not re.fullmatch(r"\s*\(?\d{1,2}[.)]?", head):  # '1 新增…' keeps its item number
            edits.append((match.start(), match.end(), ""))
    return apply_edits(nt, edits)


def join_broken_lines(nt: NormalText) -> NormalText:
    """Remove line breaks that split a sentence, such as '苹\\n\\n果产业'."""
    text, edits = nt.text, []
    width = page_width(text)
    for match in _LINE_BREAKS.finditer(text):
        before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()].strip()
        after_end = text.find("\n", match.end())
        after = text[match.end() : after_end if after_end >= 0 else len(text)].strip()
        if (
            is_broken_pair(before, after)
            or _wrapped_at_sentence_end(before, after, width)
            or _both_full(before, after, width)
        ):
            edits.append((match.start(), match.end(), ""))
    return apply_edits(nt, edits)


def _both_full(before: str, after: str, width: int | None) -> bool:
    """Two full-width lines of a wrapped page are one paragraph, even when the second has no punctuation and
    so looks like a heading ('年级适龄女生提供…疫苗免费接')."""
    if width is None or len(before) != width or len(after) != width or _ITEM_START.match(after):
        return False
    return before[-1] not in _TERMINAL and not (is_caption(before) or is_caption(after))


def page_width(text: str) -> int | None:
    """The width a page wraps lines at, when most long lines have one length (a PDF's text layer), else None."""
    lengths = [len(line.strip()) for line in text.split("\n") if len(line.strip()) >= MIN_WRAPPED]
    if len(lengths) < MIN_WRAPPED_LINES:
        return None
    width, count = Counter(lengths).most_common(1)[0]
    return width if count >= len(lengths) / 2 else None


def _wrapped_at_sentence_end(before: str, after: str, width: int | None) -> bool:
    """A full-width line that happens to end with 。 continues its paragraph on the next line."""
    if width is None or len(before) != width or not after or _ITEM_START.match(after):
        return False
    return not (_looks_like_heading(after) or is_caption(before) or is_caption(after))


def is_broken_pair(before: str, after: str) -> bool:
    """Whether `after` continues the sentence that `before` leaves unfinished."""
    if not before or not after or "\t" in before or "\t" in after:
        return False
    if len(before) >= MIN_WRAPPED and _NUMBER_END.search(before) and _UNIT_OR_DIGIT.match(after):
        return True  # '为50' / '00名', '(1' / '5)', '就业70万' / '人以上': a wrap inside a number or before its unit
    if before[-1] in _TERMINAL or _ITEM_START.match(after) or _looks_like_heading(before):
        return False
    if _looks_like_heading(after) or (_ITEM_START.match(before) and len(before) < 40):
        return False
    return not (is_caption(before) or is_caption(after))


def is_caption(line: str) -> bool:
    """Photo captions and bylines of newspaper pages (本报记者 … 摄); a paragraph that ends with its
    reporter's name in brackets ('…不少于2件。(特约记者唐凤霞)') or runs long is still a paragraph."""
    byline = _BYLINE.search(line)
    ends_paragraph = byline is not None and "(" in line[max(0, byline.start() - 4) : byline.start()]
    return bool(_PHOTO_CREDIT.search(line)) or (
        bool(byline) and not ends_paragraph and len(line) <= MAX_BYLINE
    )


def _looks_like_heading(line: str) -> bool:
    return len(line) <= 40 and not any(p in line for p in ",。;!?、")


def drop_repeated_passages(nt: NormalText) -> NormalText:
    """Delete runs of two or more clauses that already occurred earlier (scraped duplicates)."""
    seen: set[str] = set()
    run: list[re.Match[str]] = []
    edits: list[tuple[int, int, str]] = []
    for match in _CLAUSE.finditer(nt.text):
        key = match.group(0).strip()
        if len(key) >= 6 and key in seen:
            run.append(match)
            continue
        _close_run(run, edits)
        run = []
        if len(key) >= 6:
            seen.add(key)
    _close_run(run, edits)
    return apply_edits(nt, edits)


def _close_run(run: list[re.Match[str]], edits: list[tuple[int, int, str]]) -> None:
    if len(run) >= 2 and run[-1].end() - run[0].start() >= MIN_REPEAT_RUN:
        edits.append((run[0].start(), run[-1].end(), ""))
