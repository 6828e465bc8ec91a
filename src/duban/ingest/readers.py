"""Read a plan document into text, choosing the reader by the file's content, not its name.

Offsets everywhere in ingest are Python string indices into the text returned here. For text
files that is the file decoded with newlines normalised as Python's text mode does.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from duban.exchange.archive import DOCUMENT_LIMITS, archive_fault
from duban.ingest.errors import IngestError

MAX_BYTES = 64 * 1024 * 1024
MAX_PDF_PAGES = 1000  # a plan document has tens of pages; pdfminer's time grows with every page
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class SourceText:
    """The text of a document and what it was read from."""

    path: Path
    text: str
    kind: str
    sha256: str


def read_source(*, path: Path) -> SourceText:
    """Read a .txt, .docx or .pdf plan document into text."""
    data = _read_bytes(path)
    kind = detect_kind(data)
    readers = {"pdf": read_pdf_text, "docx": read_docx_text, "text": decode_text}
    text = readers[kind](data)
    if not text.strip():
        raise IngestError(f"文件“{path.name}”中没有文字内容")
    return SourceText(path=path, text=text, kind=kind, sha256=hashlib.sha256(data).hexdigest())


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise IngestError(f"文件“{path.name}”超过 64 MB，不像是计划文档")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"无法读取文件“{path}”：{exc.strerror or exc}") from exc
    if not data:
        raise IngestError(f"文件“{path.name}”是空文件")
    return data


def detect_kind(data: bytes) -> str:
    """'pdf', 'docx' or 'text', judged from magic bytes; other formats raise IngestError."""
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "docx"
    if data[:8] == _OLE_MAGIC:
        raise IngestError("这是旧版 Word（.doc）或其他 Office 二进制文件，请另存为 .docx 后再导入")
    return "text"


def decode_text(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 text."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _newlines(_decode(data, "utf-16"))
    if _looks_binary(data):
        raise IngestError("文件不是文本、Word（.docx）或 PDF 文档，无法读取")
    try:
        return _newlines(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return _newlines(_decode(data, "gb18030"))


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"文件编码无法识别（既不是 UTF-8 也不是 GB18030）：第 {exc.start} 字节出错"
        ) from exc


def _looks_binary(data: bytes) -> bool:
    head = data[:65536]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return b"\x00" in head or controls > len(head) // 100


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_docx_text(data: bytes) -> str:
    """Paragraphs and table rows of a .docx in body order; table cells are joined by tabs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise IngestError("压缩文件中没有 Word 正文（word/document.xml），不是 .docx 文档")
            fault = archive_fault(archive, limits=DOCUMENT_LIMITS, what="Word 文档")
            if fault:
                raise IngestError(fault)
        import docx

        document = docx.Document(io.BytesIO(data))
        return "\n".join(_docx_blocks(document))
    except IngestError:
        raise
    except Exception as exc:  # python-docx raises many kinds of errors on broken files
        raise IngestError(f"Word 文档已损坏或格式不正确，无法读取：{type(exc).__name__}") from exc


def _docx_blocks(document: Any) -> list[str]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        if child.tag.endswith("}p"):
            blocks.append(Paragraph(child, document).text)
        elif child.tag.endswith("}tbl"):
            table = Table(child, document)
            blocks += ["\t".join(_cell_text(c.text) for c in row.cells) for row in table.rows]
    return blocks


def _cell_text(text: str) -> str:
    return " ".join(text.split())


def read_pdf_text(data: bytes) -> str:
    """The text layer of a PDF; a scanned PDF without text raises IngestError."""
    try:
        from pdfminer.high_level import extract_text

        text = extract_text(io.BytesIO(data), maxpages=MAX_PDF_PAGES)
    except Exception as exc:  # pdfminer raises many kinds of errors on broken files
        raise IngestError(f"PDF 文件已损坏、加密或格式不正确，无法读取：{type(exc).__name__}") from exc
    text = _newlines(text).replace("\x0c", "\n")
    if not text.strip():
        raise IngestError("PDF 中没有文字层（可能是扫描件），请先进行文字识别（OCR）后再导入")
    return text
