"""Cases settings, from ``PILAR_CASES_*`` environment variables."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from pilar_cases.domain import ReferralPolicy
from pilar_cases.keyring import Keyring, decode_key
from pilar_kit.settings import ServiceSettings

# Development defaults for `make run` and tests only: production sets both from a secret store.
DEV_ONLY_CLIENT_REF_KEY = "pilar-dev-only-client-ref-key-not-for-production"
DEV_ONLY_MASTER_KEY = "cGlsYXItZGV2LW9ubHktbWFzdGVyLWtleS0wMDAwMDE="


class CasesSettings(ServiceSettings):
    """Configuration of the cases service."""

    model_config = SettingsConfigDict(
        env_prefix="PILAR_CASES_", extra="ignore", env_nested_delimiter="__"
    )
    http_port: int = 8102
    client_ref_key: SecretStr = SecretStr(DEV_ONLY_CLIENT_REF_KEY)
    master_key: SecretStr = Field(
        default=SecretStr(DEV_ONLY_MASTER_KEY), description="base64 of 32 bytes"
    )
    master_key_id: str = Field(default="dev-1", max_length=32)
    key_database_url: str | None = Field(
        default=None,
        description="a database of its own for the clients' data keys, backed up briefly; "
        "unset: the keys live in the cases database and its backups",
    )
    referral_accept_hours: float = Field(default=48, gt=0)
    referral_capacity: int = Field(default=5, ge=1)
    referral_max_attempts: int = Field(default=5, ge=1)
    expiry_scan_seconds: float = Field(default=60, gt=0)
    bmkg_url: str | None = Field(
        default=None, description="BMKG-format feed to poll (e.g. autogempa.json); off if unset"
    )
    bmkg_poll_seconds: float = Field(default=60, ge=1, description="BMKG allows ~60/min/IP")

    @property
    def uses_dev_keys(self) -> bool:
        """Tell whether a development-only key is configured."""
        return (
            self.client_ref_key.get_secret_value() == DEV_ONLY_CLIENT_REF_KEY
            or self.master_key.get_secret_value() == DEV_ONLY_MASTER_KEY
        )

    def side_databases(self) -> list[str]:
        """The key database, when the keys live apart from the data."""
        return [self.key_database_url] if self.key_database_url else []

    def keyring(self) -> Keyring:
        """The keyring these settings describe."""
        return Keyring(
            client_ref_key=self.client_ref_key.get_secret_value().encode(),
            master_key=decode_key(self.master_key.get_secret_value()),
            master_key_id=self.master_key_id,
        )

    def referral_policy(self) -> ReferralPolicy:
        """The broker's deadlines, capacity and retries."""
        return ReferralPolicy(
            accept_within=timedelta(hours=self.referral_accept_hours),
            capacity=self.referral_capacity,
            max_attempts=self.referral_max_attempts,
        )
