"""A printed plan read from .txt, .docx and a text-layer PDF: headers, page numbers and wrapped lines change nothing."""

from decimal import Decimal
from pathlib import Path

import pytest

from duban.ingest.normalize import normalize
from duban.ingest.service import ingest_document
from paged import docx_with_furniture, page_text, pdf_with_furniture

REAL = Path(__file__).resolve().parent.parent / "data" / "ingest" / "real"


def paragraphs() -> list[str]:
    """A county report: a long review full of past figures, then its 民生实事 (real texts, see real/README.md)."""
    review = (REAL / "mouding-2024-review.txt").read_text(encoding="utf-8").splitlines()[3:]
    items = (REAL / "shunde-2024-livelihood.txt").read_text(encoding="utf-8").splitlines()[2:]
    return ["牟定县2024年政府工作报告", *review, *review[1:], "二、2024年十大民生实事", *items]


EXPECTED = sorted(
    [(Decimal(v), u) for v, u in [("1500", "个"), ("600", "个"), ("15000", "个"), ("20000", "个"), ("27", "条"),
     ("200", "个"), ("75", "个"), ("10000", "个"), ("43", "个"), ("10", "个"), ("6000", "亩"), ("9000", "名"),
     ("30", "个")]]
)  # fmt: skip


def targets(path: Path) -> list[tuple[Decimal, str]]:
    return sorted((i.target, i.unit) for i in ingest_document(path=path).plan.indicators())


@pytest.mark.parametrize("style", ["— {} —", "-{}-", "第{}页 共9页", "{}", "- {} -"])
def test_plain_text_with_headers_and_page_numbers(tmp_path: Path, style: str) -> None:
    path = tmp_path / "report.txt"
    path.write_text(page_text(paragraphs(), style), encoding="utf-8")
    assert targets(path) == EXPECTED


def test_docx_with_header_and_footer(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(docx_with_furniture(paragraphs()))
    assert targets(path) == EXPECTED


def test_text_layer_pdf_with_header_and_page_numbers(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_with_furniture(paragraphs()))
    assert targets(path) == EXPECTED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("生产总值增长5.5%,财政收入增长\n— 3 —\n4%。", "生产总值增长5.5%,财政收入增长4%。"),
        ("生产总值增长5.5%,财政收入增长\n第3页 共10页\n4%。", "生产总值增长5.5%,财政收入增长4%。"),
        ("来源:新华社 2025-03-12\n新增学位1500个。", "新增学位1500个。"),
        ("国内生产总值达到 134.9 万亿元", "国内生产总值达到134.9万亿元"),
        ("1\n新增100张床位\n2\n新增5家助餐点", "1\n新增100张床位\n2\n新增5家助餐点"),  # list numbers stay
    ],
)
def test_furniture_lines(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_repeated_cells_of_a_table_are_not_running_headers() -> None:
    text = "\n".join(["序号", "项目", "全年目标", "1—10月完成", "牵头单位"]
                     + [line for n in range(1, 5) for line in (str(n), f"项目{n}", "80个", "60个", "市民政局")])  # fmt: skip
    assert normalize(text).text.count("市民政局") == 4
