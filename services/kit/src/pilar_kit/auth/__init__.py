"""Authentication and authorisation shared by every Pilar API: who calls, with which role, where."""

from pilar_kit.auth.dependencies import (
    OUTSIDE_REGION,
    ROLE_NOT_ALLOWED,
    UNAUTHENTICATED,
    PrincipalDep,
    current_principal,
    ensure_region,
    forbidden,
    install_verifier,
    listing_region,
    require_roles,
    unauthenticated,
)
from pilar_kit.auth.issuer import DEMO_PRINCIPALS, DEMO_PSKS_ID, TokenIssuer, demo_tokens
from pilar_kit.auth.principal import NATIONAL, Principal, Role, region_prefix
from pilar_kit.auth.region_scope import region_filter, region_within
from pilar_kit.auth.settings import AuthSettings, issuer_from_settings, verifier_from_settings
from pilar_kit.auth.tokens import AuthError, TokenVerifier

__all__ = [
    "DEMO_PRINCIPALS",
    "DEMO_PSKS_ID",
    "NATIONAL",
    "OUTSIDE_REGION",
    "ROLE_NOT_ALLOWED",
    "UNAUTHENTICATED",
    "AuthError",
    "AuthSettings",
    "Principal",
    "PrincipalDep",
    "Role",
    "TokenIssuer",
    "TokenVerifier",
    "current_principal",
    "demo_tokens",
    "ensure_region",
    "forbidden",
    "install_verifier",
    "issuer_from_settings",
    "listing_region",
    "region_filter",
    "region_prefix",
    "region_within",
    "require_roles",
    "unauthenticated",
    "verifier_from_settings",
]
