"""FastAPI dependencies: authenticate every call, authorise by role and region."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from pilar_kit.auth.principal import Principal, Role
from pilar_kit.auth.tokens import AuthError, TokenVerifier

UNAUTHENTICATED = "Token tidak ada atau tidak sah"
OUTSIDE_REGION = "Akses ditolak: di luar wilayah kewenangan"
ROLE_NOT_ALLOWED = "Akses ditolak: peran tidak berwenang"

logger = logging.getLogger(__name__)
# Stateless: it only reads the Authorization header and documents the scheme in OpenAPI.
_bearer = HTTPBearer(auto_error=False, description="Token dari penyedia identitas Pilar")


def install_verifier(app: FastAPI, verifier: TokenVerifier) -> None:
    """Make `verifier` the one that checks tokens for every route of `app`."""
    app.state.token_verifier = verifier


def unauthenticated() -> HTTPException:
    """Return the 401 for a missing or refused bearer token."""
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"}
    )


def forbidden(detail: str = OUTSIDE_REGION) -> HTTPException:
    """Return the 403 for an authenticated caller acting beyond its authority."""
    return HTTPException(status.HTTP_403_FORBIDDEN, detail)


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Return the caller named by the bearer token, or answer 401."""
    # A plain def: FastAPI runs it in a worker thread, so a JWKS refresh never blocks the loop.
    if credentials is None:
        raise unauthenticated()
    verifier = getattr(request.app.state, "token_verifier", None)
    if not isinstance(verifier, TokenVerifier):
        raise RuntimeError("no token verifier: call install_verifier(app, verifier)")
    try:
        return verifier.verify(credentials.credentials)
    except AuthError as error:
        logger.info("bearer token refused: %s", error.reason)  # the reason only, never the token
        raise unauthenticated() from None


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """Return a dependency giving the caller if it holds one of `roles`, else answering 403."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    allowed = frozenset(roles)

    def principal_in_role(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise forbidden(ROLE_NOT_ALLOWED)
        return principal

    return principal_in_role


def ensure_region(principal: Principal, code: str) -> None:
    """Answer 403 unless a record of region `code` lies within the principal's authority."""
    if not principal.can_access_region(code):
        raise forbidden(OUTSIDE_REGION)
