"""Where evidence files live: a folder on this machine, or an S3-compatible object store shared by servers.

Keys are relative paths such as `evidence/ab/ab12…`; the stores only put, get, test and delete bytes,
so every app server behind a proxy sees the same files once an object store is configured.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from duban.settings import Settings


class MissingFile(LookupError):
    """The store holds nothing under this key."""


class EvidenceStorage(Protocol):
    """Bytes under keys: all that evidence needs of a store."""

    def put(self, key: str, content: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files under a folder, written atomically so a reader never sees half a file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file that holds `key`; keys cannot climb out of the folder."""
        parts = [p for p in key.replace("\\", "/").split("/") if p not in ("", ".", "..")]
        if not parts:
            raise ValueError(f"无效的文件键“{key}”")
        return self.root.joinpath(*parts)

    def put(self, key: str, content: bytes, content_type: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
        try:
            with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
                out.write(content)
            temporary.replace(path)
        except OSError:
            temporary.unlink(missing_ok=True)  # a full disk must not keep half a file to stay full
            raise

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise MissingFile(key) from exc

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3Storage:
    """Objects in one bucket of an S3-compatible store (AWS S3, MinIO, Ceph, OSS, COS …)."""

    def __init__(self, *, bucket: str, client: Any) -> None:
        self.bucket, self.client = bucket, client

    def put(self, key: str, content: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=content, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.NoSuchKey as exc:
            raise MissingFile(key) from exc
        body: bytes = response["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def s3_client(
    *, endpoint_url: str | None, access_key: str | None, secret_key: str | None, region: str | None
) -> Any:
    """A boto3 S3 client for an S3-compatible endpoint (path-style addressing, which MinIO needs)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=endpoint_url, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        region_name=region or "us-east-1", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
    )  # fmt: skip


def evidence_storage(settings: Settings) -> EvidenceStorage:
    """The object store when DUBAN_S3_BUCKET is set, else the data folder."""
    if not settings.s3_bucket:
        return LocalStorage(Path(settings.data_dir))
    client = s3_client(endpoint_url=settings.s3_endpoint_url, access_key=settings.s3_access_key,
                       secret_key=settings.s3_secret_key, region=settings.s3_region)  # fmt: skip
    return S3Storage(bucket=settings.s3_bucket, client=client)


__all__ = ["EvidenceStorage", "LocalStorage", "MissingFile", "S3Storage", "evidence_storage", "s3_client"]
