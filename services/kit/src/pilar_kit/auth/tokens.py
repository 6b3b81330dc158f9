"""Verification of signed bearer tokens (JWT), with a local secret or an OIDC provider's JWKS."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import jwt
from pydantic import ValidationError

from pilar_kit.auth.principal import Principal

LOCAL_ALGORITHMS = ("HS256",)
JWKS_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
MIN_SECRET_BYTES = 32
MAX_TOKEN_CHARS = 8192
_REQUIRED_CLAIMS = ["sub", "iss", "aud", "exp", "iat"]
REMEMBERED_TOKENS = 4096  # a client sends the same token on every call until it expires
REMEMBER_SECONDS = 300.0  # a key the provider withdrew stops counting within this long

# Most specific first: InvalidSignatureError is a DecodeError, and so on.
_JWT_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.MissingRequiredClaimError, "missing claim"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.PyJWKClientConnectionError, "signing keys unavailable"),
    (jwt.PyJWKClientError, "unknown signing key"),
    (jwt.DecodeError, "malformed token"),
)
_CLAIM_REASONS = {
    "subject": "invalid subject",
    "role": "unknown role",
    "region": "invalid region",
    "name": "invalid name",
    "": "region does not match role",  # the only check on the whole principal
}


class AuthError(Exception):
    """A bearer token was refused; `reason` is short and never holds personal data."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def strong_secret(secret: str) -> str:
    """Return `secret` if it is long enough for HS256, else raise ValueError."""
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes")
    return secret


class TokenVerifier:
    """Turns a bearer token into a Principal, or raises AuthError."""

    def __init__(
        self,
        *,
        secret: str | None = None,
        jwks_url: str | None = None,
        issuer: str = "pilar-local",
        audience: str = "pilar",
        role_claim: str = "pilar_role",
        region_claim: str = "pilar_region",
        leeway_seconds: float = 30.0,
    ) -> None:
        if (secret is None) == (jwks_url is None):
            raise ValueError("give exactly one of secret (local) and jwks_url (OIDC provider)")
        self._secret = None if secret is None else strong_secret(secret)
        self._jwks = None if jwks_url is None else jwt.PyJWKClient(jwks_url, timeout=5)
        self._algorithms = list(LOCAL_ALGORITHMS if secret is not None else JWKS_ALGORITHMS)
        self._issuer = issuer
        self._audience = audience
        self._role_claims = tuple(dict.fromkeys((role_claim, "role")))
        self._region_claims = tuple(dict.fromkeys((region_claim, "region")))
        self._leeway = leeway_seconds
        self._remembered: dict[str, tuple[Principal, float]] = {}

    @property
    def fetches_keys(self) -> bool:
        """Tell whether verifying may fetch the provider's signing keys (network I/O)."""
        return self._jwks is not None

    def remembered(self, token: str) -> Principal | None:
        """The principal of a token verified lately and not yet expired, else None."""
        known = self._remembered.get(token)
        if known is None or time.time() >= known[1]:
            return None
        return known[0]

    def verify(self, token: str) -> Principal:
        """Check signature, expiry, issuer, audience, role and region; return the principal."""
        known = self.remembered(token)
        if known is not None:  # verifying a JWT costs ~0.1 ms, a lookup nothing
            return known
        if len(token) > MAX_TOKEN_CHARS:
            raise AuthError("token too long")
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise AuthError(_reason_for_jwt_error(error)) from error
        principal = self._principal(claims)
        self._remember(token, principal, float(claims["exp"]))
        return principal

    def _remember(self, token: str, principal: Principal, expires: float) -> None:
        if len(self._remembered) >= REMEMBERED_TOKENS:
            self._remembered.clear()  # a crude bound: the next calls verify afresh
        self._remembered[token] = (principal, min(expires, time.time() + REMEMBER_SECONDS))

    def _signing_key(self, token: str) -> str | jwt.PyJWK:
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token)
        assert self._secret is not None
        return self._secret

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        try:
            return Principal(
                subject=claims["sub"],
                role=_first_claim(claims, self._role_claims),
                region=_first_claim(claims, self._region_claims),
                name=claims.get("name"),
            )
        except ValidationError as error:
            # from None: the validation message would repeat the claims, personal data included
            location = error.errors()[0]["loc"]
            field = str(location[0]) if location else ""
            raise AuthError(_CLAIM_REASONS.get(field, "invalid claims")) from None


def _first_claim(claims: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        if name in claims:
            return claims[name]
    raise AuthError(f"missing claim {names[0]}")


def _reason_for_jwt_error(error: jwt.PyJWTError) -> str:
    return next((reason for kind, reason in _JWT_REASONS if isinstance(error, kind)), "bad token")
