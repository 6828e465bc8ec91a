"""Evidence files (photos, PDFs, scans) attached to figures, stored once by the SHA-256 of their content.

The type is decided by the file's first bytes, never by its name or the browser's claim, so a renamed
executable is refused. Files are kept in the configured evidence storage (the data folder, or an
object store shared by several app servers) under the key `evidence/<first two hex digits>/<sha256>`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from duban.persistence.audit import audited
from duban.persistence.models import EntryRow
from duban.persistence.reporting_models import EvidenceRow
from duban.services.locks import Step, Writer, check_entry_lock
from duban.services.periods import WorkflowError
from duban.storage import EvidenceStorage, LocalStorage

# (magic prefix, offset, content type, what users call it)
SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"%PDF-", 0, "application/pdf"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"WEBP", 8, "image/webp"),
)
ALLOWED = "JPG、PNG、PDF、TIFF、WEBP"
MAX_FILES_PER_ENTRY = 20


def sniff_type(content: bytes) -> str | None:
    """The content type the file's magic bytes show, or None when it is not an allowed kind."""
    for magic, offset, kind in SIGNATURES:
        if content[offset : offset + len(magic)] == magic:
            if kind == "image/webp" and not content.startswith(b"RIFF"):
                continue
            return kind
    return None


def evidence_key(sha256: str) -> str:
    """The storage key of the file with this hash."""
    return f"evidence/{sha256[:2]}/{sha256}"


def evidence_path(*, data_dir: Path, sha256: str) -> Path:
    """Where the file with this hash is kept when evidence lives in the data folder."""
    return LocalStorage(Path(data_dir)).path(evidence_key(sha256))


def add_evidence(
    *, session: Session, entry: EntryRow, filename: str, content: bytes, max_bytes: int, writer: Writer,
    storage: EvidenceStorage | None = None, data_dir: Path | None = None, unit_quota: int | None = None,
) -> EvidenceRow:  # fmt: skip
    """Check and store one evidence file for `entry` in `storage` (or the `data_dir` folder); stored once."""
    check_entry_lock(session=session, entry=entry, writer=writer, step=Step.EVIDENCE)
    _check(session, entry, filename, content, max_bytes)
    _check_quota(session, entry, filename, len(content), unit_quota)
    kind = sniff_type(content)
    assert kind is not None
    digest = hashlib.sha256(content).hexdigest()
    _write_once(_storage(storage, data_dir), evidence_key(digest), content, kind)
    row = EvidenceRow(entry_id=entry.id, sha256=digest, filename=_safe_name(filename), content_type=kind,
                      size=len(content), uploaded_by=writer.user_id)  # fmt: skip
    with audited(session, actor=writer.user_id, action="evidence.add"):
        session.add(row)
    return row


def list_evidence(*, session: Session, entry_id: int) -> list[EvidenceRow]:
    """The evidence files of one figure, oldest first."""
    query = select(EvidenceRow).where(EvidenceRow.entry_id == entry_id).order_by(EvidenceRow.id)
    return list(session.scalars(query))


def remove_evidence(*, session: Session, evidence: EvidenceRow, writer: Writer, reason: str | None) -> None:
    """Detach a file from its figure (the content stays, other figures may share it); audited."""
    entry = session.get(EntryRow, evidence.entry_id)
    assert entry is not None
    check_entry_lock(session=session, entry=entry, writer=writer, step=Step.EVIDENCE)
    with audited(session, actor=writer.user_id, action="evidence.remove", reason=reason):
        session.delete(evidence)


def _check(session: Session, entry: EntryRow, filename: str, content: bytes, max_bytes: int) -> None:
    if not content:
        raise WorkflowError(f"佐证材料“{filename}”是空文件")
    if len(content) > max_bytes:
        raise WorkflowError(f"佐证材料“{filename}”大小 {_mb(len(content))} 超过上限 {_mb(max_bytes)}")
    if sniff_type(content) is None:
        raise WorkflowError(f"佐证材料“{filename}”不是允许的文件类型（只接受 {ALLOWED}）")
    count = session.scalar(
        select(func.count()).select_from(EvidenceRow).where(EvidenceRow.entry_id == entry.id)
    )
    if (count or 0) >= MAX_FILES_PER_ENTRY:
        raise WorkflowError(f"每项数据最多上传 {MAX_FILES_PER_ENTRY} 个佐证材料")


def _check_quota(session: Session, entry: EntryRow, filename: str, size: int, quota: int | None) -> None:
    """One unit cannot fill the disk that every unit's evidence shares."""
    if quota is None:
        return
    used = session.scalar(select(func.coalesce(func.sum(EvidenceRow.size), 0)).join(EntryRow, EntryRow.id == EvidenceRow.entry_id)
                          .where(EntryRow.unit_id == entry.unit_id)) or 0  # fmt: skip
    if used + size > quota:
        raise WorkflowError(f"佐证材料“{filename}”未保存：本单位的佐证材料已用 {_mb(used)}，加上此文件将超过"
                            f"每单位 {_mb(quota)} 的上限；请删除不再需要的材料，或联系督查室")  # fmt: skip


def _storage(storage: EvidenceStorage | None, data_dir: Path | None) -> EvidenceStorage:
    if storage is not None:
        return storage
    if data_dir is None:
        raise WorkflowError("未配置佐证材料的存放位置")
    return LocalStorage(Path(data_dir))


def _write_once(storage: EvidenceStorage, key: str, content: bytes, kind: str) -> None:
    """Content-addressed, so a key already present holds these very bytes."""
    if not storage.exists(key):
        storage.put(key, content, kind)


def _safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name.strip() or "file"
    return name[-200:]


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
