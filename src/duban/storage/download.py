"""Serving a stored file from whichever evidence storage the app was started with."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import Response

from duban.storage import EvidenceStorage, MissingFile


def storage_of(request: Request) -> EvidenceStorage:
    """The evidence storage of the running app."""
    storage: EvidenceStorage = request.app.state.evidence_storage
    return storage


def fetch(storage: EvidenceStorage, key: str) -> bytes:
    """The stored bytes, or a 404 in Chinese when the store no longer has them."""
    try:
        return storage.get(key)
    except MissingFile as exc:
        raise HTTPException(status_code=404, detail="文件已不在存储中，请联系管理员") from exc


# A stored file is always sent as an attachment of the type its bytes show; its name must not say
# otherwise, or a PDF named x.html, saved and opened, would be read as a web page.
EXTENSIONS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",),
              "image/tiff": (".tif", ".tiff"), "image/webp": (".webp",)}  # fmt: skip
OFFICE_EXTENSIONS = (".docx", ".xlsx", ".pptx", ".doc", ".xls", ".ppt", ".wps", ".et", ".dps", ".zip")


def download(content: bytes, *, media_type: str, filename: str) -> Response:
    """The bytes as an attachment named `filename` (non-ASCII names per RFC 6266), never sniffed as anything else."""
    filename = _consistent_name(filename, media_type)
    quoted = quote(filename)
    disposition = f'attachment; filename="{filename}"'
    if quoted != filename:
        disposition = f"attachment; filename*=utf-8''{quoted}"
    headers = {"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=media_type, headers=headers)


def _consistent_name(filename: str, media_type: str) -> str:
    """The name, with the extension its type has added when the name's own says something else."""
    lowered = filename.lower()
    expected = EXTENSIONS.get(media_type, OFFICE_EXTENSIONS)
    if lowered.endswith(expected):
        return filename
    return filename + expected[0] if media_type in EXTENSIONS else filename + ".bin"
