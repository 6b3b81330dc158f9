"""Configuration of a service from the environment, with a prefix per service."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from pilar_kit.auth import AuthSettings


class ServiceSettings(BaseSettings):
    """What every Pilar service needs; subclasses set ``env_prefix`` (e.g. ``PILAR_CASES_``)."""

    model_config = SettingsConfigDict(extra="ignore", env_nested_delimiter="__")

    nats_url: str = "nats://127.0.0.1:4222"
    # credentials apart from the URL: nats-py does not carry URL credentials to the cluster
    # members it discovers, so a failover would be refused
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    # TLS to the bus (a ``tls://`` URL): the CA that signed the servers' certificates, where the
    # system's CAs do not know it, and for mutual TLS this service's own certificate and key
    nats_ca_file: Path | None = None
    nats_cert_file: Path | None = None
    nats_key_file: Path | None = None
    database_url: str = ""
    # connections kept open: enough for the requests in flight, the relay and the consumers, so
    # that a busy API does not open and close overflow connections on every request
    db_pool_size: int = Field(default=20, ge=1, le=200)
    data_dir: Path = Path(".run")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    otlp_endpoint: str | None = None
    trace_file: Path | None = None
    trace_sql: bool = False
    migrate_on_start: bool = True
    provision_on_start: bool = True
    provision_replicas: int | None = Field(default=None, ge=1, le=5)
    batch_size: int = Field(default=500, ge=1, le=1000)  # one transaction per batch
    fetch_timeout: float = Field(default=0.2, gt=0)
    relay_window: int = Field(default=500, ge=1)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    # A hub that federates provincial leaf nodes holds their events too; its services, other
    # than national analytics, must leave those to the province's own instances.
    provinces: str = Field(
        default="",
        pattern=r"^(\d{2}(,\d{2})*)?$",
        description="province codes whose events this instance applies, comma-separated "
        "(00 = national records); empty: all",
    )

    def served_provinces(self) -> frozenset[str]:
        """The provinces whose events this instance applies; empty: every province."""
        return frozenset(self.provinces.split(",")) if self.provinces else frozenset()

    def nats_credentials(self) -> dict[str, str]:
        """``user``/``password`` for nats-py when set, else nothing (open server, URL creds)."""
        if not self.nats_user:
            return {}
        password = self.nats_password.get_secret_value() if self.nats_password else ""
        return {"user": self.nats_user, "password": password}

    def nats_tls(self) -> ssl.SSLContext | None:
        """The bus's TLS context when a CA or a client certificate is set; else nats-py's own."""
        if not (self.nats_ca_file or self.nats_cert_file):
            return None
        context = ssl.create_default_context(cafile=self.nats_ca_file)
        if self.nats_cert_file:
            context.load_cert_chain(self.nats_cert_file, self.nats_key_file)
        return context

    def nats_options(self) -> dict[str, Any]:
        """nats-py's connect options for the bus: credentials and TLS, those that are set."""
        tls = self.nats_tls()
        return self.nats_credentials() | ({"tls": tls} if tls else {})

    def database(self, service: str) -> str:
        """The database URL: configured, else a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.data_dir / f'{service}.db'}"

    def side_databases(self) -> list[str]:
        """Further databases of the service's schema (e.g. a key store), migrated alongside."""
        return []
