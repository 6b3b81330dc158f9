"""Configuration of a service from the environment, with a prefix per service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pilar_kit.auth import AuthSettings


class ServiceSettings(BaseSettings):
    """What every Pilar service needs; subclasses set ``env_prefix`` (e.g. ``PILAR_CASES_``)."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    nats_url: str = "nats://127.0.0.1:4222"
    database_url: str = ""
    data_dir: Path = Path(".run")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    otlp_endpoint: str | None = None
    trace_file: Path | None = None
    trace_sql: bool = False
    migrate_on_start: bool = True
    provision_on_start: bool = True
    batch_size: int = Field(default=100, ge=1, le=1000)
    fetch_timeout: float = Field(default=0.2, gt=0)
    relay_window: int = Field(default=500, ge=1)
    auth: AuthSettings = Field(default_factory=AuthSettings)

    def database(self, service: str) -> str:
        """The database URL: configured, else a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.data_dir / f'{service}.db'}"
