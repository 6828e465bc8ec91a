import io
import zipfile
from pathlib import Path

import docx
import pytest

from duban.ingest.errors import IngestError
from duban.ingest.readers import detect_kind, read_source

DATA = Path(__file__).resolve().parent.parent / "data" / "ingest"
TEXT = "临沅市2026年工作安排\n\n全年城镇新增就业3万人以上。\n"


def written(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def docx_bytes(paragraphs: list[str], rows: list[list[str]]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for cells, row in zip(rows, table.rows, strict=True):
        for text, cell in zip(cells, row.cells, strict=True):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"%PDF-1.7\n...", "pdf"), (b"PK\x03\x04rest", "docx"), (TEXT.encode(), "text"), (b"  %PDF-1.4", "pdf")],
)
def test_detect_kind(data: bytes, kind: str) -> None:
    assert detect_kind(data) == kind


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("plan.txt", TEXT.encode("utf-8")),
        ("plan.txt", TEXT.encode("utf-8-sig")),
        ("plan.txt", TEXT.encode("gb18030")),
        ("plan.txt", TEXT.encode("utf-16")),
        ("plan.dat", TEXT.replace("\n", "\r\n").encode("utf-8")),
        ("plan.pdf", TEXT.encode("utf-8")),  # content decides, not the extension
    ],
)
def test_text_files_in_any_encoding(tmp_path: Path, name: str, data: bytes) -> None:
    source = read_source(path=written(tmp_path, name, data))
    assert (source.kind, source.text) == ("text", TEXT)


def test_docx_paragraphs_and_table_rows_in_order(tmp_path: Path) -> None:
    data = docx_bytes(
        ["标题", "第一段。"], [["序号", "任务", "牵头单位"], ["1", "新增学位1.2万个", "市教育局"]]
    )
    source = read_source(path=written(tmp_path, "plan.bin", data))
    assert source.kind == "docx"
    assert source.text.endswith("标题\n第一段。\n序号\t任务\t牵头单位\n1\t新增学位1.2万个\t市教育局")


def test_pdf_text_layer() -> None:
    source = read_source(path=DATA / "liyang-extract.pdf")
    assert source.kind == "pdf"
    assert "全年城镇新增就业2.5万人" in source.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "空文件"),
        ("blank.txt", b" \n\n \t", "没有文字"),
        ("junk.txt", bytes(range(256)) * 4, "不是文本"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "旧版 Word"),
        ("broken.docx", b"PK\x03\x04" + b"\x00" * 100, "Word 文档已损坏"),
        ("broken.pdf", b"%PDF-1.4\n garbage", "PDF"),
    ],
)
def test_unreadable_files_raise_chinese_errors(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        read_source(path=written(tmp_path, name, data))


def test_zip_without_word_body(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(IngestError, match=r"不是 \.docx"):
        read_source(path=written(tmp_path, "plan.docx", out.getvalue()))


def test_scanned_pdf_says_so() -> None:
    with pytest.raises(IngestError, match="扫描件"):
        read_source(path=DATA / "scanned-blank.pdf")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="无法读取"):
        read_source(path=tmp_path / "nope.txt")
