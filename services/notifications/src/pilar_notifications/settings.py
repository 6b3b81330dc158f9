"""Notifications settings, from ``PILAR_NOTIFICATIONS_*`` environment variables."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from pilar_kit.auth import region_prefix
from pilar_kit.settings import ServiceSettings

MIN_SECRET_LENGTH = 32


class WebhookSubscriber(BaseModel):
    """A ministry system that receives signed notifications over HTTPS."""

    id: UUID = Field(description="its recipient id in the directory")
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://\S+$")
    secret: SecretStr = Field(description="HMAC-SHA256 key shared with this subscriber only")
    regions: list[str] = Field(default=[], description='region prefixes; empty or "" is national')

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"a webhook secret needs at least {MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        return [region_prefix(code) for code in value]


class RateLimit(BaseModel):
    """A gateway's own limit: ``per_second`` sustained, ``burst`` at once."""

    per_second: float = Field(gt=0)
    burst: int = Field(default=1, ge=1)


class NotificationsSettings(ServiceSettings):
    """Configuration of the notifications service and its channels."""

    model_config = SettingsConfigDict(
        env_prefix="PILAR_NOTIFICATIONS_", extra="ignore", env_nested_delimiter="__"
    )
    http_port: int = 8103
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_sender: str = "pilar@localhost"
    smtp_timeout: float = Field(default=10.0, gt=0)
    dispatch_poll_seconds: float = Field(default=0.5, gt=0)
    dispatch_batch: int = Field(default=200, ge=1, le=2000, description="due rows claimed at once")
    dispatch_concurrency: int = Field(default=16, ge=1, description="sends in flight at once")
    dispatch_routine_share: float = Field(
        default=0.1,
        ge=0,
        le=1,
        description="share of each batch kept for routine while urgent waits",
    )
    dispatch_lease_seconds: float = Field(
        default=120.0, gt=0, description="a claimed row is tried again after this if never settled"
    )
    max_attempts: int = Field(default=5, ge=1, description="attempts per channel before fallback")
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_cap_seconds: float = Field(default=300.0, gt=0)
    sms_gateway_url: str | None = None
    whatsapp_gateway_url: str | None = None
    gateway_token: SecretStr = SecretStr("")
    gateway_timeout: float = Field(default=10.0, gt=0)
    http_trust_env: bool = Field(
        default=False,
        description="gateways and webhooks honour HTTP_PROXY, HTTPS_PROXY and NO_PROXY",
    )
    http_proxy: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="a proxy for gateways and webhooks, e.g. http://proxy.example:3128",
    )
    rate_limits: dict[str, RateLimit] = Field(
        default={}, description="per channel (sms, whatsapp, email, webhook); none is unlimited"
    )
    throttled_pause_seconds: float = Field(
        default=1.0, gt=0, description="pause of a gateway that answered 429 without Retry-After"
    )
    webhooks: list[WebhookSubscriber] = Field(default=[], description="ministry systems")
    webhook_timeout: float = Field(default=10.0, gt=0)
    contact_wait_seconds: float = Field(default=600.0, ge=0)
