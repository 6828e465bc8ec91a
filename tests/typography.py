"""Chinese typography of rendered pages: the visible text of an HTML page, and the half-width punctuation in it
that Chinese text should write full-width (，；：（）！？).

The rule: a half-width , ; : ! ? ( ) is wrong when the character before it or after it (one space skipped) is
Chinese (a Han character or a full-width punctuation mark); a pair of half-width parentheses is wrong when it
encloses Chinese ("县(市、区)", "得分 80(良好)", "数据(MIT)", "(A 类)"). Half-width
marks inside numbers, codes, dates, English and URLs ("1,234", "10:30", "2.36:1", "ZT2026-01156", "(MIT License)")
touch no Chinese and pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

CHINESE = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff5e\u201c\u201d\u2018\u2019\u2014\u2026\u00b7"
_CH = f"[{CHINESE}]"
# a mark with Chinese right before it, or right after it (a space between allowed)
_MARK = re.compile(f"(?<={_CH})[,;:!?()]|[,;:!?()](?= ?{_CH})")
_PAIR = re.compile(r"\(([^()\n]*)\)")
_HAS_CHINESE = re.compile(_CH)
HIDDEN = frozenset({"script", "style", "template", "noscript", "head", "title", "svg"})
VOID = frozenset(
    {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"}
)
BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul", "button", "label", "select", "textarea", "caption", "legend", "dialog",
})  # fmt: skip


@dataclass(frozen=True)
class Fault:
    """One half-width mark in Chinese text: the mark and the text around it."""

    mark: str
    snippet: str

    def __str__(self) -> str:
        return f"“{self.mark}” in “{self.snippet}”"


class _VisibleText(HTMLParser):
    """Text nodes outside scripts, styles, `hidden` and `lang="en"` elements and `data-verbatim` quotations (a
    plan's words as the source document wrote them); blocks on their own lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open elements whose text is not shown (or not Chinese)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in BLOCK:
            self.parts.append("\n")
        if tag in VOID:
            return
        named = dict(attrs)
        foreign = (named.get("lang") or "").startswith("en")
        if self.skipping or tag in HIDDEN or "hidden" in named or "data-verbatim" in named or foreign:
            self.skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag in BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees on the page, one block per line, white space collapsed within a line."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def half_width_faults(text: str) -> list[Fault]:
    """Every half-width mark that the Chinese text around it wants full-width."""
    faults = []
    for line in text.split("\n"):
        found = {m.start(): m.group() for m in _MARK.finditer(line)}
        found |= {m.start(): "(" for m in _PAIR.finditer(line) if _HAS_CHINESE.search(m.group(1))}
        faults += [Fault(mark, _around(line, at)) for at, mark in sorted(found.items())]
    return faults


def _around(line: str, at: int, width: int = 14) -> str:
    return line[max(0, at - width) : at + width]
