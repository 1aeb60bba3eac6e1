"""All settings come from the environment or `.env`; `.env.example` documents each one."""

from __future__ import annotations

from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.clock import is_known_zone

PUBLIC_API_SERVER = "https://api.telegram.org"
SUPPORTED_LOCALES = ("ru", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    telegram_api_server: str = PUBLIC_API_SERVER

    database_url: str = "sqlite+aiosqlite:///./data/bot.sqlite3"
    redis_url: str | None = None

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    webhook_path: str = "/telegram/webhook"

    default_timezone: str = "Europe/Moscow"
    default_locale: str = "ru"
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(9, 0)

    invitation_ttl_days: int = 7

    # Visits and mentoring
    no_visit_days: int = Field(default=14, ge=1)
    mentor_reminder_time: time = time(10, 0)
    digest_weekday: int = Field(default=0, ge=0, le=6)  # 0 = Monday
    digest_time: time = time(9, 0)
    visit_edit_hours: int = Field(default=48, ge=0)
    homework_digest_minutes: int = Field(default=60, ge=1, le=1440)
    concern_realert_minutes: int = Field(default=60, ge=1)
    concern_max_realerts: int = Field(default=3, ge=0)
    # The service's own crisis contacts (free text) shown with the children's helpline in /learn
    # and after a visit with a child-safety concern; empty: the helpline alone.
    service_crisis_contacts: str = ""
    delivery_rate_per_second: float = 25.0
    delivery_chat_interval_seconds: float = 1.0
    delivery_max_attempts: int = 5
    delivery_batch_size: int = 50
    # how long a claimed or in-flight row is a worker's own; after a crash it waits this long
    delivery_lease_seconds: float = Field(default=60.0, gt=0)

    # The family's mentors also see its case's assessment and documents (coordinators always do).
    mentors_see_case_details: bool = False

    # Personal data of families closed more than this many years ago is anonymised by a job.
    retention_years: int = Field(default=5, ge=1, le=75)
    # Messages sent (or failed for good) longer ago than this keep no names or texts.
    outbox_keep_days: int = Field(default=30, ge=1)

    log_level: str = "INFO"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not is_known_zone(value):
            raise ValueError(f"unknown time zone {value!r}, use an IANA name like Europe/Moscow")
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("telegram_api_server")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def use_webhook(self) -> bool:
        return bool(self.webhook_url)

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        _, _, path = self.database_url.partition(":///")
        return Path(path) if path and path != ":memory:" else None
