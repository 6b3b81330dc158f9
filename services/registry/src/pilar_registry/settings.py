"""Registry settings, from ``PILAR_REGISTRY_*`` environment variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from pilar_kit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Configuration of the registry service."""

    model_config = SettingsConfigDict(
        env_prefix="PILAR_REGISTRY_", extra="ignore", env_nested_delimiter="__"
    )
    http_port: int = 8101
    expiry_scan_seconds: float = Field(default=3600.0, gt=0)
    callout_minimum: int = Field(
        default=10,
        ge=0,
        description="Tagana wanted in the affected regencies before a call-out widens further",
    )
