"""Settings from the environment and ./.env, validated once at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.numbers import list_currencies
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class Settings(BaseSettings):
    # arbitrary types: the default time zone is kept as a ZoneInfo, as every zone travels in the code
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      arbitrary_types_allowed=True)

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = "sqlite+aiosqlite:///./salesbot.db"
    salesbot_admins: Annotated[list[int], NoDecode] = Field(default_factory=list)
    salesbot_timezone: ZoneInfo = ZoneInfo("Asia/Shanghai")
    salesbot_phone_region: str = "CN"
    salesbot_currency: str = "CNY"
    salesbot_language: str = "zh"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # how often the delivery sweep runs even when nothing woke it (seconds; 0 = only when called, for tests)
    salesbot_sweep_seconds: float = Field(default=30, ge=0)
    # proactive messages a second this process may send; with N sending instances on one token, 30 / N
    salesbot_send_rate: float = Field(default=30, gt=0, le=30)
    # how long one proactive send may take before it counts as a network error and is retried,
    # capped below half the outbox lease, so a send always ends before another sender may claim the row
    salesbot_send_timeout: float = Field(default=15, gt=0, le=50)
    # a daily backup of the SQLite database goes here (none when unset); the newest this many are kept
    salesbot_backup_dir: Path | None = None
    salesbot_backup_keep: int = Field(default=7, ge=1)
    # `json`: one JSON object a log line, for a log collector
    salesbot_log_format: Literal["text", "json"] = "text"
    # polling mode's /healthz and /metrics (a webhook serves them on its own port); none when unset
    salesbot_metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("salesbot_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace("，", ",").split(",") if p.strip()]
            for part in parts:
                if not (part.isascii() and part.isdigit()):
                    raise ValueError(f"not a Telegram user id: {part!r}")
            return [int(p) for p in parts]
        return value

    @field_validator("telegram_bot_token", "webhook_url", "webhook_secret", "salesbot_backup_dir",
                     "salesbot_metrics_port", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `TELEGRAM_BOT_TOKEN=` in .env means "not set", not a malformed value
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("malformed token: expected digits, a colon, then letters/digits/_/-")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not (value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://"))):
            raise ValueError("expected sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db")
        return value

    @field_validator("salesbot_timezone", mode="before")
    @classmethod
    def _check_timezone(cls, value: object) -> object:
        if isinstance(value, ZoneInfo):
            return value
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, expected Area/City") from None

    @field_validator("salesbot_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in ("en", "zh"):
            raise ValueError("expected en or zh")
        return value

    @field_validator("salesbot_phone_region")
    @classmethod
    def _check_region(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown region {value!r}, expected a two-letter code such as CN")
        return value

    @field_validator("salesbot_currency")
    @classmethod
    def _check_currency(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in list_currencies():
            raise ValueError(f"unknown currency {value!r}, expected an ISO 4217 code such as CNY")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected a URL such as https://bot.example.com/telegram")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("expected 1-256 characters of A-Z a-z 0-9 _ -")
        return value


class ConfigError(Exception):
    """A setting is missing or wrong; the message names it in one line."""


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line that names the setting."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from None
