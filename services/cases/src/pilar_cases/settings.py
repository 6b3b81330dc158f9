"""Cases settings, from ``PILAR_CASES_*`` environment variables."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from pilar_kit.settings import ServiceSettings


class CasesSettings(ServiceSettings):
    """Configuration of the cases service."""

    model_config = SettingsConfigDict(
        env_prefix="PILAR_CASES_", extra="ignore", env_nested_delimiter="__"
    )
    http_port: int = 8102
