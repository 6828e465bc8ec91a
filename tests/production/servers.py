"""Real helper processes for production tests: a moto S3 server, an SMTP sink and `duban serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

MOTO = Path(sys.executable).with_name("moto_server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 120) -> None:
    """Poll `url` until it answers (any HTTP status) or the process dies. `duban serve` starts a process
    per core, each importing the app after the first checked the store: ~40 s on a busy 2-core machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited early:\n{log.read_text(encoding='utf-8')}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s:\n{log.read_text(encoding='utf-8')}")


@contextmanager
def process(args: list[str], *, log: Path, ready: str, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:  # fmt: skip
    """A subprocess that is up once `ready` answers; terminated afterwards."""
    with log.open("w") as out:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        try:
            wait_until(ready, child, log)
            yield child
        finally:
            child.terminate()
            child.wait(timeout=10)


@dataclass(frozen=True)
class ObjectStore:
    """A running S3-compatible server and the settings that point duban at one bucket of it."""

    endpoint: str
    bucket: str = "duban-evidence"
    access_key: str = "testing"
    secret_key: str = "testing"

    def env(self) -> dict[str, str]:
        return {"DUBAN_S3_ENDPOINT_URL": self.endpoint, "DUBAN_S3_BUCKET": self.bucket,
                "DUBAN_S3_ACCESS_KEY": self.access_key, "DUBAN_S3_SECRET_KEY": self.secret_key,
                "DUBAN_S3_REGION": "us-east-1"}  # fmt: skip

    def client(self) -> Any:
        from duban.storage import s3_client

        return s3_client(endpoint_url=self.endpoint, access_key=self.access_key, secret_key=self.secret_key,
                         region="us-east-1")  # fmt: skip


@contextmanager
def moto_server(folder: Path) -> Iterator[ObjectStore]:
    """A moto server process on a free local port, with the evidence bucket made."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with process([str(MOTO), "-H", "127.0.0.1", "-p", str(port)], log=folder / "moto.log", ready=endpoint,
                 env=env):  # fmt: skip
        store = ObjectStore(endpoint)
        store.client().create_bucket(Bucket=store.bucket)
        yield store


@dataclass
class MailSink:
    """Messages an SMTP server on this machine received."""

    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@contextmanager
def smtp_sink() -> Iterator[MailSink]:
    """An aiosmtpd server on a free local port that keeps every message."""
    from aiosmtpd.controller import Controller

    sink = MailSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def duban_env(**settings: str) -> dict[str, str]:
    """This process's environment with duban's settings replaced by `settings` (DUBAN_ names)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_")}
    return env | settings


@contextmanager
def duban_server(folder: Path, env: dict[str, str]) -> Iterator[str]:
    """A `duban serve` process on a free port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "duban.cli", "serve", "--port", str(port)]
    with process(args, log=folder / f"serve-{port}.log", ready=f"{base}/healthz", env=env, cwd=folder):
        yield base
