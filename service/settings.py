"""Settings from the environment (prefix ``YINGJI_``) and an optional ``.env`` file."""

from __future__ import annotations

import json
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SMS_BODY = '{"to": "{phone}", "text": "{text}"}'
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "placeholder"}
MIN_SECRET_LENGTH = 32


class SettingsError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="YINGJI_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str = ""
    access_token_minutes: int = Field(default=12 * 60, ge=1, le=60 * 24 * 30)
    timezone: str = "Asia/Shanghai"
    cors_origins: list[str] = []
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=15 * 60, ge=1)
    log_level: str = "INFO"
    log_json: bool | None = None  # default: JSON in production, readable otherwise
    db_pool_size: int = Field(default=20, ge=1)
    gc_threshold: int = Field(default=100_000, ge=100, le=10_000_000)
    clock_enabled: bool = True
    clock_tick_s: float = Field(default=1.0, gt=0, le=60)
    clock_lease_s: float = Field(default=60.0, gt=0)
    clock_batch: int = Field(default=500, ge=1)
    clock_keep_days: int = Field(default=30, ge=7, le=3660)  # finished timers, then deleted
    ws_ring_size: int = Field(default=10_000, ge=10)
    ws_max_buffer_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    ws_ping_interval_s: float = Field(default=20.0, gt=0)
    ws_max_frame_bytes: int = Field(default=64 * 1024, ge=1024)
    outbox_poll_s: float = Field(default=1.0, gt=0)
    roster_horizon_days: int = Field(default=120, ge=14, le=800)
    duty_checkin_grace_s: int = Field(default=15 * 60, ge=0, le=24 * 3600)
    duty_gap_check_days: int = Field(default=14, ge=1, le=120)
    warning_respond_red_s: int = Field(default=600, ge=10)
    warning_respond_orange_s: int = Field(default=1200, ge=10)
    warning_respond_yellow_s: int = Field(default=1800, ge=10)
    warning_respond_blue_s: int = Field(default=3600, ge=10)
    cap_sender: str = Field(default="yingji@localhost", max_length=200)
    warning_recall_count: int = Field(default=2, ge=0, le=10)
    warning_recall_interval_s: int = Field(default=300, ge=1)
    notify_timeout_s: float = Field(default=10.0, gt=0, le=60)
    notify_max_attempts: int = Field(default=5, ge=1, le=50)
    notify_backoff_s: float = Field(default=2.0, gt=0)
    notify_backoff_max_s: float = Field(default=600.0, gt=0)
    notify_rate_limit: int = Field(default=20, ge=1)
    notify_rate_window_s: float = Field(default=60.0, gt=0)
    sms_gateway_url: str | None = None
    sms_gateway_token: SecretStr | None = None
    sms_body_template: str = DEFAULT_SMS_BODY
    # contingency plans (plans/library)
    plan_approver_must_differ: bool = True  # nobody approves a version they drafted or submitted
    plan_filing_working_days: int = Field(default=20, ge=1, le=250)
    plan_review_years: int = Field(default=3, ge=1, le=20)
    plan_review_years_by_kind: dict[str, int] = {}  # e.g. {"unit": 2}
    plan_review_notice_days: int = Field(default=90, ge=1, le=3660)
    plan_attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # drills (plans/drills)
    drill_reminder_offsets_s: list[int] = [7 * 86400, 86400, 3600]  # before the start
    drill_due_soon_days: int = Field(default=60, ge=1, le=366)  # compliance: "due soon"
    drill_action_notice_days: int = Field(default=3, ge=0, le=60)  # before an action is due
    # photos (warning feedback, incidents): JPEG, PNG or WebP, metadata stripped
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    photo_max_pixels: int = Field(default=50_000_000, ge=10_000)
    ui_dir: Path | None = None  # the built web UI; default frontend/dist of the checkout
    ui_tile_url: str | None = None  # e.g. http://tiles.local/{z}/{x}/{y}.png; none: plain
    ui_tile_attribution: str | None = Field(default=None, max_length=500)
    ui_tile_max_zoom: int = Field(default=18, ge=1, le=22)
    ui_map_center: tuple[float, float] | None = None  # (lat, lon); default: fit the orgs
    ui_map_zoom: int = Field(default=10, ge=1, le=22)

    _secret: str | None = PrivateAttr(default=None)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("drill_reminder_offsets_s")
    @classmethod
    def _offsets(cls, value: list[int]) -> list[int]:
        if any(o < 60 or o > 366 * 86400 for o in value) or len(value) > 10:
            raise ValueError("drill reminder offsets are 60 s to 366 days, at most 10 of them")
        return sorted(set(value), reverse=True)

    @field_validator("sms_gateway_url")
    @classmethod
    def _gateway_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("the SMS gateway URL must start with http:// or https://")
        return value

    @field_validator("ui_tile_url")
    @classmethod
    def _tile_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://", "/")) or "{z}" not in value:
            raise ValueError("the tile URL must be http(s):// or /… and contain {z}, {x}, {y}")
        return value

    @field_validator("sms_body_template")
    @classmethod
    def _sms_template(cls, value: str) -> str:
        if "{phone}" not in value or "{text}" not in value:
            raise ValueError("the SMS body template needs both {phone} and {text}")
        try:
            json.loads(value.replace("{phone}", "+8613900000000").replace("{text}", "x"))
        except ValueError as exc:
            raise ValueError(f"the SMS body template is not JSON once filled in: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'yingji.db'}"
        return self

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def logs_as_json(self) -> bool:
        return self.production if self.log_json is None else self.log_json

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolved_secret_key(self) -> str:
        """The signing key; generated into ``data_dir`` on a development machine.

        In production a missing or placeholder key refuses to start.
        """
        if self._secret is None:
            self._secret = self._load_secret()
        return self._secret

    def _load_secret(self) -> str:
        key = self.secret_key.strip()
        if key and key.lower() not in PLACEHOLDER_SECRETS and len(key) >= MIN_SECRET_LENGTH:
            return key
        if self.production:
            raise SettingsError(
                "YINGJI_SECRET_KEY is missing, a placeholder or shorter than "
                f"{MIN_SECRET_LENGTH} characters; set it to a long random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        if key:
            return key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        generated = secrets.token_urlsafe(48)
        path.write_text(generated + "\n")
        path.chmod(0o600)
        return generated
