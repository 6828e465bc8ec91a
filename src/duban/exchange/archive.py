"""A look inside an uploaded .xlsx before openpyxl opens it: size, zip structure and decompressed size.

An .xlsx is a zip archive. A small file can unpack to gigabytes (a zip bomb), so the sizes the
archive declares are checked first; Python's zipfile then never inflates a member past its declared
size (a member that lies about it fails its CRC check and the workbook is refused as damaged).
"""

from __future__ import annotations

import zipfile
from io import BytesIO

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100  # sheet XML compresses 5–20 times; far more means padding made to unpack
RATIO_FLOOR = 1024 * 1024  # tiny members may compress any amount
MAX_MEMBERS = 2000


def workbook_fault(content: bytes, *, max_bytes: int = MAX_WORKBOOK_BYTES) -> str | None:
    """Why this upload must not be opened as a workbook, in Chinese; None when it may be."""
    if len(content) > max_bytes:
        return f"文件大小 {_mb(len(content))} 超过上限 {_mb(max_bytes)}"
    if not zipfile.is_zipfile(BytesIO(content)):
        hint = "(旧版 .xls 请用 WPS 或 Excel 另存为 .xlsx)" if content[:4] == b"\xd0\xcf\x11\xe0" else ""
        return f"文件不是 Excel 工作簿(.xlsx){hint}"
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "文件已损坏,无法作为 Excel 工作簿读取"
    return _unpacked_fault(members)


def _unpacked_fault(members: list[zipfile.ZipInfo]) -> str | None:
    if len(members) > MAX_MEMBERS:
        return f"工作簿内部文件过多({len(members)} 个),疑似恶意文件,已拒绝"
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        return f"工作簿解压后达 {_mb(total)},超过 {_mb(MAX_UNPACKED_BYTES)},疑似压缩炸弹,已拒绝"
    for member in members:
        if member.file_size > RATIO_FLOOR and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            return (
                f"工作簿中的“{member.filename}”压缩比异常(解压后 {_mb(member.file_size)}),疑似压缩炸弹,已拒绝"
            )
    return None


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
