"""Analytics settings, from ``PILAR_ANALYTICS_*`` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from pilar_kit.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    """Configuration of the analytics service."""

    model_config = SettingsConfigDict(
        env_prefix="PILAR_ANALYTICS_", extra="ignore", env_nested_delimiter="__"
    )
    http_port: int = 8104
    coverage_target: float = Field(
        default=1.0, gt=0, description="PSKS active per open PMKS case a region should reach"
    )
    watch_seconds: float = Field(
        default=15.0, gt=0, description="how often headline metrics and thresholds are refreshed"
    )
    rebuild_chunk: int = Field(
        default=2000, ge=1, le=20000, description="events applied per transaction by rebuild"
    )
