"""Local token issuing for development and tests; production tokens come from the OIDC provider."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

import jwt

from pilar_kit.auth.principal import Principal, Role
from pilar_kit.auth.tokens import LOCAL_ALGORITHMS, TokenVerifier, strong_secret

DEMO_PSKS_ID = "5a1c0de0-0000-4000-8000-000000000001"
"""Volunteer id that the demo PSKS token speaks for."""

DEMO_PRINCIPALS: Mapping[Role, Principal] = MappingProxyType(
    {
        Role.NATIONAL_OPERATOR: Principal(
            subject="demo-operator-nasional", role=Role.NATIONAL_OPERATOR, name="Operator Nasional"
        ),
        Role.PROVINCIAL_OPERATOR: Principal(
            subject="demo-operator-33",
            role=Role.PROVINCIAL_OPERATOR,
            region="33",
            name="Operator Dinas Sosial Provinsi Jawa Tengah",
        ),
        Role.REGENCY_OPERATOR: Principal(
            subject="demo-operator-33.71",
            role=Role.REGENCY_OPERATOR,
            region="33.71",
            name="Operator Dinas Sosial Kota Magelang",
        ),
        Role.PSKS: Principal(
            subject=DEMO_PSKS_ID, role=Role.PSKS, region="33.71", name="PSKS Demo"
        ),
        Role.AUDITOR: Principal(subject="demo-auditor", role=Role.AUDITOR, name="Auditor Nasional"),
        Role.SERVICE: Principal(subject="demo-service", role=Role.SERVICE, name="Layanan Pilar"),
    }
)
"""One demo principal per role: Jawa Tengah (33) and Kota Magelang (33.71) for the regional ones."""


class TokenIssuer:
    """Signs HS256 tokens with a local secret, for `make run` and tests."""

    def __init__(
        self,
        secret: str,
        *,
        issuer: str = "pilar-local",
        audience: str = "pilar",
        ttl_seconds: int = 8 * 3600,
    ) -> None:
        self._secret = strong_secret(secret)
        self._issuer = issuer
        self._audience = audience
        self._ttl_seconds = ttl_seconds

    def issue(
        self,
        principal: Principal,
        *,
        ttl_seconds: int | None = None,
        issued_at: datetime | None = None,
    ) -> str:
        """Return a signed token speaking for `principal`."""
        now = issued_at or datetime.now(UTC)
        ttl = self._ttl_seconds if ttl_seconds is None else ttl_seconds
        claims: dict[str, Any] = {
            "sub": principal.subject,
            "role": principal.role.value,
            "region": principal.region,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "exp": now + timedelta(seconds=ttl),
        }
        if principal.name is not None:
            claims["name"] = principal.name
        return jwt.encode(claims, self._secret, algorithm=LOCAL_ALGORITHMS[0])

    def verifier(self) -> TokenVerifier:
        """Return the verifier that accepts this issuer's tokens."""
        return TokenVerifier(secret=self._secret, issuer=self._issuer, audience=self._audience)


def demo_tokens(issuer: TokenIssuer) -> dict[str, str]:
    """Return a ready token per role, keyed by role name, for trying the APIs locally."""
    return {role.value: issuer.issue(principal) for role, principal in DEMO_PRINCIPALS.items()}
