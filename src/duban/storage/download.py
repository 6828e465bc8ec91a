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
        raise HTTPException(status_code=404, detail="文件已不在存储中,请联系管理员") from exc


def download(content: bytes, *, media_type: str, filename: str) -> Response:
    """The bytes as an attachment named `filename` (non-ASCII names per RFC 6266)."""
    quoted = quote(filename)
    disposition = f'attachment; filename="{filename}"'
    if quoted != filename:
        disposition = f"attachment; filename*=utf-8''{quoted}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
