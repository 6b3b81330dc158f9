"""Notifications settings, from ``PILAR_NOTIFICATIONS_*`` environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from pilar_kit.settings import ServiceSettings


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
    max_attempts: int = Field(default=5, ge=1, description="attempts per channel before fallback")
    retry_base_seconds: float = Field(default=2.0, gt=0)
    retry_cap_seconds: float = Field(default=300.0, gt=0)
    sms_gateway_url: str | None = None
    whatsapp_gateway_url: str | None = None
    gateway_token: SecretStr = SecretStr("")
    gateway_timeout: float = Field(default=10.0, gt=0)
    contact_wait_seconds: float = Field(default=600.0, ge=0)
