"""Sentences and clauses of a block, with absolute offsets in the normalised text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r"[^。!?;\n\t]+[。!?;]?")
_CLAUSE = re.compile(r"(?:[^,:\t|]|(?<=\d):(?=\d))+")  # 1:1 is a ratio, not a colon
MAX_QUOTE = 60
_QUOTED = re.compile(r"“[^”\n]{0,40}”|\"[^\"\n]{0,40}\"|《[^》\n]{0,60}》|「[^」\n]{0,40}」|‘[^’\n]{0,40}’")


@dataclass(frozen=True)
class Clause:
    """A comma-separated part of a sentence; `start` is its offset in the normalised text."""

    text: str
    start: int
    sentence: str
    sentence_start: int
    quoted: tuple[tuple[int, int], ...]

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def before_in_sentence(self) -> str:
        """The sentence text before this clause."""
        return self.sentence[: self.start - self.sentence_start]

    def in_quotes(self, local_start: int) -> bool:
        """Whether a clause-local offset lies inside a quotation or title marks."""
        at = local_start + self.start - self.sentence_start
        return any(a < at < b for a, b in self.quoted)


def sentences(text: str, offset: int) -> list[tuple[str, int]]:
    """(sentence, absolute start) pairs of a block's text."""
    return [(m.group(0), offset + m.start()) for m in _SENTENCE.finditer(text)]


def clauses_of(sentence: str, start: int) -> list[Clause]:
    """The clauses of one sentence; quoted spans are kept sentence-relative."""
    quotes = tuple((m.start(), m.end()) for m in _QUOTED.finditer(sentence))
    found = [
        Clause(m.group(0), start + m.start(), sentence, start, quotes) for m in _CLAUSE.finditer(sentence)
    ]
    return _merge_split_quotes(found)


def _merge_split_quotes(found: list[Clause]) -> list[Clause]:
    """Rejoin clauses cut at a comma inside a quotation (“进万家,促和谐”)."""
    merged: list[Clause] = []
    for clause in found:
        last_text = merged[-1].text if merged else ""
        if last_text.count("“") > last_text.count("”") and len(last_text) < MAX_QUOTE:
            last = merged.pop()
            text = last.sentence[last.start - last.sentence_start : clause.end - last.sentence_start]
            clause = Clause(text, last.start, last.sentence, last.sentence_start, last.quoted)
        merged.append(clause)
    return merged
