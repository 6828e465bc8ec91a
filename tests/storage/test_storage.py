"""Both evidence stores keep bytes under keys alike: a folder, and a real moto S3 server process."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from duban.settings import Settings
from duban.storage import EvidenceStorage, LocalStorage, MissingFile, S3Storage, evidence_storage
from production.servers import ObjectStore, moto_server

PDF = b"%PDF-1.4 evidence\n"


@pytest.fixture(scope="module")
def object_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ObjectStore]:
    with moto_server(tmp_path_factory.mktemp("moto")) as store:
        yield store


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> EvidenceStorage:
    if request.param == "local":
        return LocalStorage(tmp_path)
    store: ObjectStore = request.getfixturevalue("object_store")
    return evidence_storage(Settings(data_dir=tmp_path, **_s3_settings(store)))


def _s3_settings(store: ObjectStore) -> dict[str, str]:
    return {"s3_endpoint_url": store.endpoint, "s3_bucket": store.bucket, "s3_access_key": store.access_key,
            "s3_secret_key": store.secret_key, "s3_region": "us-east-1"}  # fmt: skip


def _key() -> str:
    return f"evidence/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"


def test_what_is_put_is_got_back(storage: EvidenceStorage) -> None:
    key = _key()
    storage.put(key, PDF, "application/pdf")
    assert (storage.exists(key), storage.get(key)) == (True, PDF)


def test_a_missing_key_is_reported(storage: EvidenceStorage) -> None:
    key = _key()
    assert storage.exists(key) is False
    with pytest.raises(MissingFile):
        storage.get(key)


def test_deleted_files_are_gone_and_deleting_twice_is_harmless(storage: EvidenceStorage) -> None:
    key = _key()
    storage.put(key, PDF, "application/pdf")
    storage.delete(key)
    storage.delete(key)
    assert storage.exists(key) is False


def test_putting_again_replaces_the_content(storage: EvidenceStorage) -> None:
    key = _key()
    storage.put(key, b"first", "application/octet-stream")
    storage.put(key, PDF, "application/pdf")
    assert storage.get(key) == PDF


def test_the_object_store_is_used_only_when_a_bucket_is_set(tmp_path: Path) -> None:
    assert isinstance(evidence_storage(Settings(data_dir=tmp_path)), LocalStorage)
    settings = Settings(data_dir=tmp_path, s3_bucket="b", s3_endpoint_url="http://127.0.0.1:9")
    assert isinstance(evidence_storage(settings), S3Storage)


def test_s3_objects_carry_their_content_type(object_store: ObjectStore, tmp_path: Path) -> None:
    storage = evidence_storage(Settings(data_dir=tmp_path, **_s3_settings(object_store)))
    key = _key()
    storage.put(key, PDF, "application/pdf")
    head = object_store.client().head_object(Bucket=object_store.bucket, Key=key)
    assert head["ContentType"] == "application/pdf"


@pytest.mark.parametrize(
    ("key", "relative"),
    [
        ("evidence/ab/abc", "evidence/ab/abc"),
        ("../../etc/passwd", "etc/passwd"),
        ("/evidence//x", "evidence/x"),
        ("evidence\\ab\\c", "evidence/ab/c"),
    ],
)
def test_local_keys_stay_inside_the_folder(tmp_path: Path, key: str, relative: str) -> None:
    assert LocalStorage(tmp_path).path(key) == tmp_path / relative


def test_an_empty_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="无效的文件键"):
        LocalStorage(tmp_path).path("../")
