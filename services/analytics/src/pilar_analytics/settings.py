"""Analytics settings, from ``PILAR_ANALYTICS_*`` environment variables."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from pilar_kit.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """Configuration of the analytics service."""

    model_config = SettingsConfigDict(
        env_prefix="PILAR_ANALYTICS_", extra="ignore", env_nested_delimiter="__"
    )
    http_port: int = 8104
