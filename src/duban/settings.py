"""duban's settings, read from the environment with the DUBAN_ prefix.

Every field is documented in docs/settings.md; a test keeps the two in step.
"""

from __future__ import annotations

import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All of duban's configuration."""

    model_config = SettingsConfigDict(env_prefix="DUBAN_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("duban-data"), description="Folder for the SQLite store, evidence files and keys."
    )
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the store; default: SQLite file `duban.db` in the data folder."
    )
    readonly_database_url: str | None = Field(
        None, description="Optional URL of a read replica used by dashboards and reports."
    )
    secret_key: str | None = Field(
        None,
        description="Key that signs sessions, CSRF tokens and templates; default: generated once into the data "
        "folder. Required with PostgreSQL (servers sharing a store must share the key).",
    )
    host: str = Field("127.0.0.1", description="Address the web server listens on.")
    port: int = Field(8000, description="Port the web server listens on.")
    cutoff_day: int = Field(25, ge=1, le=28, description="Day of the month by which figures are due.")
    combine_jan_feb: bool = Field(False, description="Report January and February together as one period.")
    evidence_max_bytes: int = Field(10 * 1024 * 1024, description="Largest evidence file accepted, in bytes.")
    upload_max_bytes: int = Field(5 * 1024 * 1024, description="Largest Excel workbook accepted, in bytes.")
    evidence_quota_per_unit: int = Field(
        2 * 1024 * 1024 * 1024, description="Most evidence one unit may store in all, in bytes."
    )
    min_free_disk_bytes: int = Field(
        200 * 1024 * 1024,
        description="Below this much free space in the data folder, /readyz reports not ready.",
    )
    login_max_failures: int = Field(
        5, description="Failed logins (from one address, or on one account name) before logins are throttled."
    )
    login_lockout_seconds: int = Field(
        300,
        description="Longest wait a throttled login is given; the wait starts at 1 s and doubles with each "
        "further failure. An address with no failures of its own may still log in to a throttled account.",
    )
    session_max_age: int = Field(8 * 3600, description="Seconds a login session stays valid.")
    worker_threads: int = Field(
        40,
        ge=1,
        description="Threads per server process that run requests; the write pool has as many connections. "
        "`duban serve` lowers it to fit the process's share of the database's connections.",
    )
    read_pool_size: int = Field(
        2,
        ge=1,
        description="Connections per server process for read-only pages (dashboard, map, indicators, counties, "
        "reports); at most this many run at once, the others wait in line without a thread, so saves go first.",
    )
    db_pool_overflow: int = Field(
        10,
        ge=0,
        description="Connections each pool may open beyond its size in a burst (a request that holds a second "
        "one: an error page, /metrics); `duban serve` lowers it to fit the database.",
    )
    db_connection_share: float = Field(
        0.5,
        gt=0,
        le=1,
        description="Share of PostgreSQL's max_connections (less the superusers' reserve and 5 for psql, "
        "migrations and backups) one `duban serve` may open in all its processes: 0.5 leaves room for a second "
        "server on the same store; with more servers give each 1/N. Read once at start; pools, overflow and "
        "worker threads are shrunk to fit, so a busy server answers 503 系统繁忙 rather than a refused connection.",
    )
    db_pool_timeout: float = Field(
        5.0,
        gt=0,
        description="Seconds a request waits for a database connection before it is answered 503 系统繁忙 "
        "with Retry-After.",
    )
    read_queue_timeout: float = Field(
        30.0,
        gt=0,
        description="Seconds a read-only page waits in line for its turn (while saves go first) before it is "
        "answered 503 系统繁忙 with Retry-After.",
    )
    read_yield: float = Field(
        0.05,
        ge=0,
        description="Seconds at most a read-only page waits, holding nothing, while a write is being answered in "
        "its process, so that saves keep the CPU when many dashboards refresh at once; 0: no wait.",
    )
    states_lag: float = Field(
        1.0,
        ge=0,
        description="During the month-end rush (many submits and returns a second), seconds at most a leader's kept "
        "dashboard or map may show 报送情况 and the 待审核 counts behind the store, so that it is not made afresh "
        "for every request; a submit or return alone, and every approval, show at once; 0: no such lag.",
    )
    internal_networks: str = Field(
        "127.0.0.1/32,::1/128",
        description="Comma-separated networks (CIDR) that may read /metrics and the API description "
        "(/api/docs, /api/openapi.json) without signing in; from anywhere else only the office (admin) may.",
    )
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set behind HTTPS).")
    smtp_host: str | None = Field(
        None, description="SMTP server for reminder e-mails; unset disables e-mail."
    )
    smtp_port: int = Field(25, description="SMTP server port.")
    smtp_sender: str = Field("duban@localhost", description="From address of reminder e-mails.")
    today: str | None = Field(None, description="Pretend today is this ISO date (demos and tests).")
    smtp_username: str | None = Field(None, description="SMTP login name; unset sends without logging in.")
    smtp_password: str | None = Field(None, description="SMTP password, used with the login name.")
    smtp_starttls: bool = Field(False, description="Switch the SMTP connection to TLS with STARTTLS.")
    smtp_timeout: int = Field(15, description="Seconds to wait for the SMTP server.")
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Address of the web app, for links in reminder e-mails."
    )
    s3_endpoint_url: str | None = Field(
        None,
        description="URL of an S3-compatible object store (MinIO, Ceph, OSS …) for evidence files; unset: AWS.",
    )
    s3_bucket: str | None = Field(
        None,
        description="Bucket for evidence files; set it to keep evidence in the object store, not the data folder.",
    )
    s3_access_key: str | None = Field(None, description="Access key of the object store.")
    s3_secret_key: str | None = Field(None, description="Secret key of the object store.")
    s3_region: str | None = Field(None, description="Region of the object store; default `us-east-1`.")

    def sqlalchemy_url(self) -> str:
        """The store's URL, defaulting to the SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'duban.db'}"

    def reader_url(self) -> str:
        """The URL dashboards and reports read from."""
        return self.readonly_database_url or self.sqlalchemy_url()

    def current_date(self) -> date:
        """Today, unless DUBAN_TODAY pretends otherwise."""
        return date.fromisoformat(self.today) if self.today else date.today()


class SharedKeyMissing(RuntimeError):
    """A store several servers can share, and no key they all sign sessions with."""


def secret_key(settings: Settings) -> str:
    """The configured key, or (SQLite: one host) one generated once into the data folder.

    A PostgreSQL store may be shared by servers on several hosts, each with a data folder of its own:
    a generated key would differ per host and each would refuse the others' sessions and templates.
    """
    if settings.secret_key:
        return settings.secret_key
    if not settings.sqlalchemy_url().startswith("sqlite"):
        raise SharedKeyMissing(
            "使用 PostgreSQL 时必须设置 DUBAN_SECRET_KEY（每台服务器相同），否则各服务器互不承认对方的登录和模板"
        )
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_table() -> str:
    """The Markdown table of every setting, as docs/settings.md carries it."""
    rows = ["| 环境变量 | 默认值 | 说明 |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = "" if field.default is None else f"`{field.default}`"
        rows.append(f"| `DUBAN_{name.upper()}` | {default} | {field.description} |")
    return "\n".join(rows) + "\n"
