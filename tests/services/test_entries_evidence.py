import pytest

from builders import OFFICE
from duban.services.entries import WorkflowError
from duban.services.evidence import add_evidence, evidence_path, list_evidence, remove_evidence, sniff_type
from services.test_entries import make_world

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"\xff\xd8\xff\xe0" + b"\x00" * 16, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf"),
        (b"II*\x00abcd", "image/tiff"), (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"MZ\x90\x00", None), (b"PK\x03\x04", None), (b"<html>", None), (b"xxxxxxxxWEBP", None),
    ],
)  # fmt: skip
def test_type_is_decided_by_magic_bytes(content, kind):
    assert sniff_type(content) == kind


@pytest.fixture
def entry(session):
    world = make_world(session)
    return world.save(session, "L02-1", value="370")


def test_evidence_is_stored_once_by_content_hash(session, entry, tmp_path):
    first = add_evidence(session=session, entry=entry, filename="现场照片.png", content=PNG, data_dir=tmp_path,
                         max_bytes=1024, writer=OFFICE)  # fmt: skip
    second = add_evidence(session=session, entry=entry, filename="C:\\扫描\\副本.png", content=PNG,
                          data_dir=tmp_path, max_bytes=1024, writer=OFFICE)  # fmt: skip
    assert first.sha256 == second.sha256 and second.filename == "副本.png"
    assert evidence_path(data_dir=tmp_path, sha256=first.sha256).read_bytes() == PNG
    assert len(list((tmp_path / "evidence").rglob("*"))) == 2  # one folder, one file
    remove_evidence(session=session, evidence=first, writer=OFFICE, reason="重复")
    assert [e.id for e in list_evidence(session=session, entry_id=entry.id)] == [second.id]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.pdf", b"MZ\x90\x00 not a pdf", "“a.pdf”不是允许的文件类型（只接受 JPG、PNG、PDF、TIFF、WEBP）"),
        ("big.pdf", PDF * 100, "“big.pdf”大小 0.0 MB 超过上限 0.0 MB"),
        ("empty.jpg", b"", "“empty.jpg”是空文件"),
    ],
)
def test_wrong_type_size_or_empty_files_are_refused(session, entry, tmp_path, name, content, message):
    with pytest.raises(WorkflowError, match=message.replace("(", r"\(").replace(")", r"\)")):
        add_evidence(session=session, entry=entry, filename=name, content=content, data_dir=tmp_path,
                     max_bytes=1024, writer=OFFICE)  # fmt: skip
    assert not (tmp_path / "evidence").exists()
