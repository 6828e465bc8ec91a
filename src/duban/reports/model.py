"""The bulletin as data: header, sections of sentences, tables and charts, ready for any renderer.

Cells keep raw values (numbers as Decimal or int) so the workbook can hold real numbers; the
column kind says how Word and PDF write them. Every sentence is filled from figures only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

Cell = str | int | Decimal | None


class ColumnKind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    PERCENT = "percent"
    POINTS = "points"
    NUMBER = "number"


@dataclass(frozen=True)
class Column:
    title: str
    kind: ColumnKind = ColumnKind.TEXT
    width: float = 1.0
    sheet_only: bool = False  # a figure for people who compute: in the workbook, not on paper


@dataclass(frozen=True)
class Table:
    """A titled table; its title doubles as the worksheet name."""

    title: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[Cell, ...]]
    highlight: frozenset[int] = frozenset()

    def printed(self) -> Table:
        """The table as Word and PDF print it, without the workbook-only columns."""
        keep = [n for n, column in enumerate(self.columns) if not column.sheet_only]
        if len(keep) == len(self.columns):
            return self
        return Table(self.title, tuple(self.columns[n] for n in keep),
                     [tuple(row[n] for n in keep) for row in self.rows], self.highlight)  # fmt: skip


@dataclass(frozen=True)
class Segment:
    value: float
    colour: str
    label: str = ""
    pattern: str = ""  # "hatch", "cross" or "outline": tells statuses apart in black and white


@dataclass(frozen=True)
class Bar:
    """One row of a horizontal bar chart: stacked segments, an end note and an optional marker."""

    label: str
    segments: tuple[Segment, ...]
    note: str = ""
    marker: float | None = None
    highlight: bool = False


@dataclass(frozen=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]
    scale: float
    legend: tuple[tuple[str, str], ...] = ()
    marker_label: str = ""
    patterns: tuple[str, ...] = ()  # the legend entries' patterns, in the legend's order


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Bulletin:
    """A 督查通报 for the city or one county at the end of a month."""

    office: str
    doc_number: str
    title: str
    addressee: str
    opening: str
    issued: date
    year: int
    month: int
    unit: str | None
    sections: list[Section]
    title_lines: list[str] = field(default_factory=list)  # the title broken by hand, never inside a word
    copy_to: str = ""  # 抄送, in the 版记
    printed_by: str = ""  # 印发机关, in the 版记
    warnings: list[str] = field(default_factory=list)  # for whoever generates it, never printed

    def tables(self) -> list[Table]:
        """Every table, in the order the sections give them: 附件1, 附件2 …"""
        return [table for section in self.sections for table in section.tables]

    def annexes(self) -> list[tuple[str, Table]]:
        """(附件1, table) … — the detail tables after the signature."""
        return [(f"附件{n}", table) for n, table in enumerate(self.tables(), start=1)]

    def annex_note(self) -> list[str]:
        """附件说明 under the text (GB/T 9704-2012 7.3.4): 附件：1.总体情况, then 2.… a line each; no number for one."""
        titles = [table.title for table in self.tables()]
        if len(titles) == 1:
            return [f"附件：{titles[0]}"]
        return [("附件：" if n == 1 else "") + f"{n}.{title}" for n, title in enumerate(titles, start=1)]

    def text(self) -> list[str]:
        """Every line of the body as read, from the title to the signature."""
        lines = [self.title, self.addressee, self.opening]
        for section in self.sections:
            lines += [section.heading, *section.paragraphs]
        return lines

    def charts(self) -> list[Chart]:
        return [chart for section in self.sections for chart in section.charts]
