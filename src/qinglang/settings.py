"""Validated settings: ``QINGLANG_*`` environment variables over an optional TOML file.

Settings are an object passed to ``create_app(settings)`` and to services; nothing
reads them at import time. :func:`load_settings` turns every validation problem into
one :class:`~qinglang.errors.ConfigurationError` that names the setting.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from qinglang.errors import ConfigurationError

ENV_PREFIX = "QINGLANG_"
CONFIG_FILE_VARIABLE = "QINGLANG_CONFIG"
DEFAULT_SECRET_KEY = "insecure-development-secret-do-not-use-in-production"
MIN_PRODUCTION_SECRET_LENGTH = 32
MIN_WEBHOOK_SECRET_LENGTH = 32
MIN_RETENTION_DAYS = 180  # WS-28: 留存全量数据不少于六个月


class Settings(BaseSettings):
    """Everything configurable. Field names map to ``QINGLANG_<NAME>`` variables."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, validate_default=True
    )

    mode: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: an SQLite file in data_dir"
    )
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    time_zone: str = "Asia/Shanghai"
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    db_pool_size: int = Field(default=5, ge=1, le=200)
    sqlite_busy_timeout_ms: int = Field(default=30_000, ge=0)
    session_max_age_seconds: int = Field(default=12 * 3600, ge=60)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    detect_max_chars: int = Field(default=100_000, ge=1, le=10_000_000)
    evidence_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    supplement_days: int = Field(default=15, ge=1, le=90)  # calendar days to supplement (补正)
    duplicate_window_days: int = Field(default=30, ge=1, le=365)
    target_host_aliases: dict[str, str] = Field(default_factory=dict)  # {"h5.x.cn": "x.cn"}
    declaration_version: str = Field(default="2023-08", pattern=r"^[A-Za-z0-9._-]{1,32}$")
    objection_window_days: int = Field(default=30, ge=1, le=365)  # WS-24, the platform's choice
    # WS-3: hours before a working-day time limit ends at which the worker flags the case.
    deadline_warn_hours: int = Field(default=24, ge=1, le=24 * 30)
    # WS-18 malicious reports: over this window, the decided reports and unfounded share
    # past which a reporter is warned, deprioritised, then refused for refuse_days.
    platform_name: str = Field(default="清朗演示平台", min_length=1, max_length=64)
    # Notices by e-mail; without smtp_host they stay in the console's mailbox (the demo).
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "noreply@example.cn"
    smtp_starttls: bool = True
    second_review_share: float = Field(default=0.05, ge=0.0, le=1.0)  # WS-27 random re-check
    reporter_window_days: int = Field(default=90, ge=7, le=730)
    reporter_warn_at: tuple[int, float] = (5, 0.5)
    reporter_deprioritise_at: tuple[int, float] = (8, 0.7)
    reporter_refuse_at: tuple[int, float] = (12, 0.8)
    reporter_refuse_days: int = Field(default=30, ge=1, le=365)
    # The measure outbox (qinglang.measures.outbox): how deliveries are retried and claimed.
    outbox_retry_base_seconds: float = Field(default=10.0, gt=0, le=3600)
    outbox_retry_max_seconds: float = Field(default=900.0, gt=0, le=86_400)
    outbox_lease_seconds: float = Field(default=120.0, ge=5, le=3600)
    outbox_failure_ledger_every: int = Field(default=10, ge=1, le=10_000)
    worker_batch_size: int = Field(default=50, ge=1, le=1000)
    # The webhook platform adapter; unset: the built-in demo platform applies measures.
    webhook_url: str | None = None
    webhook_snapshot_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # WS-28: every record is kept at least six months; the purge removes only older ones.
    retention_days: int = Field(default=MIN_RETENTION_DAYS, le=36_500)
    # The Ed25519 key that signs ledger exports; default <data_dir>/keys/ledger-export-ed25519.pem.
    signing_key_file: Path | None = None

    @property
    def evidence_dir(self) -> Path:
        return self.data_dir / "evidence"

    @property
    def signing_key_path(self) -> Path:
        """Where the ledger-export signing key lives (``signing_key_file`` or its default)."""
        return self.signing_key_file or self.data_dir / "keys" / "ledger-export-ed25519.pem"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_FILE_VARIABLE)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @field_validator("database_url")
    @classmethod
    def _database_url_parses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("is not a database URL (e.g. sqlite:///var/q.db)") from exc
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(f"backend {url.get_backend_name()!r}: use sqlite or postgresql")
        if url.get_backend_name() == "postgresql" and url.drivername != "postgresql+psycopg":
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)

    @field_validator("time_zone")
    @classmethod
    def _time_zone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("webhook_url", "webhook_snapshot_url")
    @classmethod
    def _webhook_url_is_http(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// address")
        return value

    @field_validator("retention_days")
    @classmethod
    def _retention_is_at_least_six_months(cls, value: int) -> int:
        if value < MIN_RETENTION_DAYS:
            raise ValueError(
                f"must be at least {MIN_RETENTION_DAYS} days (WS-28 keeps every record "
                f"six months); {value} refused"
            )
        return value

    @model_validator(mode="after")
    def _outbox_is_coherent(self) -> Settings:
        if self.outbox_retry_max_seconds < self.outbox_retry_base_seconds:
            raise ValueError(
                "outbox_retry_max_seconds: must be at least outbox_retry_base_seconds "
                f"({self.outbox_retry_base_seconds:g})"
            )
        if self.outbox_lease_seconds <= 2 * self.webhook_timeout_seconds:
            raise ValueError(
                "outbox_lease_seconds: must be more than twice webhook_timeout_seconds "
                f"({self.webhook_timeout_seconds:g}), so a claim outlives a slow delivery"
            )
        uses_webhook = self.webhook_url is not None or self.webhook_snapshot_url is not None
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if uses_webhook and len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
            raise ValueError(
                "webhook_secret: a webhook address needs a signing secret of at least "
                f"{MIN_WEBHOOK_SECRET_LENGTH} characters"
            )
        return self

    @model_validator(mode="after")
    def _production_is_safe(self) -> Settings:
        if self.mode == "production":
            secret = self.secret_key.get_secret_value()
            if secret == DEFAULT_SECRET_KEY:
                raise ValueError(
                    "secret_key: production mode refuses the default secret key; "
                    "set QINGLANG_SECRET_KEY to a random value of at least "
                    f"{MIN_PRODUCTION_SECRET_LENGTH} characters"
                )
            if len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
                raise ValueError(
                    f"secret_key: production mode needs at least "
                    f"{MIN_PRODUCTION_SECRET_LENGTH} characters"
                )
        return self

    @property
    def database(self) -> URL:
        """The database URL, defaulting to ``<data_dir>/qinglang.db`` (SQLite)."""
        if self.database_url is None:
            return URL.create("sqlite", database=str(self.data_dir / "qinglang.db"))
        return make_url(self.database_url)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_production(self) -> bool:
        return self.mode == "production"


def load_settings(**overrides: Any) -> Settings:
    """Build settings from overrides, the environment and ``$QINGLANG_CONFIG``.

    Raises :class:`ConfigurationError` with one line per problem, each naming the
    environment variable that sets it.
    """
    config_file = os.environ.get(CONFIG_FILE_VARIABLE)
    if config_file and not Path(config_file).is_file():
        raise ConfigurationError(f"{CONFIG_FILE_VARIABLE}: no config file at {config_file}")
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc)) from None
    except (OSError, ValueError) as exc:  # an unreadable or malformed TOML file
        raise ConfigurationError(
            f"{CONFIG_FILE_VARIABLE}: cannot read config file: {exc}"
        ) from None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        if ": " in message and message.split(": ", 1)[0] in Settings.model_fields:
            field, message = message.split(": ", 1)
        lines.append(f"{ENV_PREFIX}{field.upper()}: {message}")
    return "; ".join(lines)
