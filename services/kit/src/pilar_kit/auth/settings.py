"""Authentication settings, read from the environment under a prefix each service chooses."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from pilar_kit.auth.issuer import TokenIssuer
from pilar_kit.auth.tokens import TokenVerifier


class AuthSettings(BaseSettings):
    """How a service checks tokens: a local secret (development) or an OIDC provider's JWKS.

    Standalone, give the prefix: ``AuthSettings(_env_prefix="PILAR_CASES_AUTH_")`` reads
    ``PILAR_CASES_AUTH_JWT_SECRET`` and so on. Without a prefix it reads no environment at all,
    so it also nests safely in a service's settings (``auth: AuthSettings = AuthSettings()``
    with ``env_nested_delimiter="__"`` gives ``PILAR_CASES_AUTH__JWT_SECRET``).
    """

    model_config = SettingsConfigDict(extra="ignore")

    jwt_secret: SecretStr | None = None
    jwks_url: str | None = None
    issuer: str = "pilar-local"
    audience: str = "pilar"
    token_ttl_seconds: int = Field(default=8 * 3600, gt=0)
    role_claim: str = "pilar_role"
    region_claim: str = "pilar_region"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read the environment only under a caller's prefix: bare ISSUER is far too common."""
        if isinstance(env_settings, EnvSettingsSource) and env_settings.env_prefix:
            return init_settings, env_settings, dotenv_settings, file_secret_settings
        return (init_settings,)


def verifier_from_settings(settings: AuthSettings) -> TokenVerifier:
    """Return the token verifier the settings describe; exactly one key source must be set."""
    return TokenVerifier(
        secret=None if settings.jwt_secret is None else settings.jwt_secret.get_secret_value(),
        jwks_url=settings.jwks_url,
        issuer=settings.issuer,
        audience=settings.audience,
        role_claim=settings.role_claim,
        region_claim=settings.region_claim,
    )


def issuer_from_settings(settings: AuthSettings) -> TokenIssuer:
    """Return a local token issuer; only possible when a JWT secret is configured."""
    if settings.jwt_secret is None:
        raise ValueError("a local token issuer needs jwt_secret")
    return TokenIssuer(
        settings.jwt_secret.get_secret_value(),
        issuer=settings.issuer,
        audience=settings.audience,
        ttl_seconds=settings.token_ttl_seconds,
    )
