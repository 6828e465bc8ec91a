"""Lay plan text out on pages as an official document is printed, with a running header and page numbers,
and write it as plain text, .docx or a PDF with a text layer (no font embedded: only the text layer counts)."""

from __future__ import annotations

import io
import zlib

import docx

LINE = 28  # characters per line and lines per page of GB/T 9704 official documents
PAGE = 22
HEADER = "某某市人民政府文件"


def pages(paragraphs: list[str]) -> list[list[str]]:
    """The body lines of each page: paragraphs wrapped every 28 characters, 22 lines a page."""
    lines = [p[i : i + LINE] for p in paragraphs for i in range(0, len(p), LINE)]
    return [lines[i : i + PAGE] for i in range(0, len(lines), PAGE)]


def page_text(paragraphs: list[str], number_style: str = "— {} —") -> str:
    """Plain text as copied from a printed document: header, wrapped lines, page number, on every page."""
    out = []
    for n, body in enumerate(pages(paragraphs), start=1):
        out += [HEADER, *body, number_style.format(n)]
    return "\n".join(out) + "\n"


def docx_with_furniture(paragraphs: list[str]) -> bytes:
    """A .docx whose header and footer repeat on every page; the body holds whole paragraphs."""
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = "— 1 —"
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_with_furniture(paragraphs: list[str]) -> bytes:
    """A PDF whose pages carry the header, the wrapped body and '— n —', as a text layer pdfminer reads."""
    objects: list[bytes] = []
    page_ids: list[int] = []
    font_id = 3
    objects += [b"", b"", b""]  # 1 catalog, 2 pages, 3 font: filled in below
    for n, body in enumerate(pages(paragraphs), start=1):
        rows = [(HEADER, 800), *[(line, 760 - 30 * i) for i, line in enumerate(body)], (f"— {n} —", 60)]
        stream = b"".join(_show(text, y) for text, y in rows)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(zlib.compress(stream)))
        objects[-1] += zlib.compress(stream) + b"\nendstream"
        content_id = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R " % content_id
                       + b"/Resources << /Font << /F1 %d 0 R >> >> >>" % font_id)  # fmt: skip
        page_ids.append(len(objects))
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def "
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange "
            b"1 beginbfrange <0000> <FFFF> <0000> endbfrange endcmap CMapName currentdict /CMap defineresource pop end end")  # fmt: skip
    objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    cmap_id = len(objects)
    objects.append(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo "
                   b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")  # fmt: skip
    cid_id = len(objects)
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
    objects[2] = (b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
                  b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_id, cmap_id))  # fmt: skip
    return _assemble(objects)


def _show(text: str, y: int) -> bytes:
    glyphs = "".join(f"{ord(c):04X}" for c in text)
    return b"BT /F1 12 Tf 1 0 0 1 60 %d Tm <%s> Tj ET\n" % (y, glyphs.encode())


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
