"""Authentication and authorisation: tokens, region scoping and the FastAPI dependencies."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from pilar_kit.auth import (
    DEMO_PRINCIPALS,
    OUTSIDE_REGION,
    ROLE_NOT_ALLOWED,
    UNAUTHENTICATED,
    AuthError,
    AuthSettings,
    Principal,
    PrincipalDep,
    Role,
    TokenIssuer,
    TokenVerifier,
    demo_tokens,
    ensure_region,
    install_verifier,
    issuer_from_settings,
    region_filter,
    require_roles,
    verifier_from_settings,
)

SECRET = "test-secret-that-is-long-enough-for-hs256"
PROVIDER = "https://sso.example.id/realms/pilar"
KID = "pilar-test-key"
NATIONAL = DEMO_PRINCIPALS[Role.NATIONAL_OPERATOR]
JATENG = DEMO_PRINCIPALS[Role.PROVINCIAL_OPERATOR]  # 33
MAGELANG = DEMO_PRINCIPALS[Role.REGENCY_OPERATOR]  # 33.71
SURAKARTA = Principal(subject="op-33.72", role=Role.REGENCY_OPERATOR, region="33.72")
JABAR = Principal(subject="op-32", role=Role.PROVINCIAL_OPERATOR, region="32")
PSKS = DEMO_PRINCIPALS[Role.PSKS]
AUDITOR = DEMO_PRINCIPALS[Role.AUDITOR]
EXPIRED = TokenIssuer(SECRET).issue(
    MAGELANG, ttl_seconds=60, issued_at=datetime.now(UTC) - timedelta(hours=1)
)
RECORD = "33.71.01.2001"  # a village of Kota Magelang, Jawa Tengah


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer(SECRET)


def claims(**changes: Any) -> dict[str, Any]:
    """Claims of a valid regency operator token, with `changes` (None removes a claim)."""
    now = datetime.now(UTC)
    valid: dict[str, Any] = {"sub": "op-1", "role": "regency_operator", "region": "33.71"}
    valid |= {"iss": "pilar-local", "aud": "pilar", "iat": now, "exp": now + timedelta(hours=1)}
    return {name: value for name, value in (valid | changes).items() if value is not None}


def refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(AuthError) as refused:
        verifier.verify(token)
    return refused.value.reason


# Tokens


@pytest.mark.parametrize("role", list(Role))
def test_each_demo_token_speaks_for_its_role(issuer: TokenIssuer, role: Role) -> None:
    assert issuer.verifier().verify(demo_tokens(issuer)[role]) == DEMO_PRINCIPALS[role]


def test_region_00_in_a_token_means_the_whole_country() -> None:
    token = jwt.encode(claims(role="auditor", region="00"), SECRET)
    assert TokenVerifier(secret=SECRET).verify(token).is_national


def test_an_expired_token_is_refused(issuer: TokenIssuer) -> None:
    assert refusal(issuer.verifier(), EXPIRED) == "token expired"


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        (TokenIssuer(SECRET + "-but-another-one"), "bad signature"),
        (TokenIssuer(SECRET, audience="another-audience"), "wrong audience"),
        (TokenIssuer(SECRET, issuer="another-issuer"), "wrong issuer"),
    ],
)
def test_a_foreign_token_is_refused(issuer: TokenIssuer, other: TokenIssuer, reason: str) -> None:
    assert refusal(issuer.verifier(), other.issue(MAGELANG)) == reason


def test_a_token_verified_once_is_still_refused_once_it_expires() -> None:
    verifier = TokenVerifier(secret=SECRET, leeway_seconds=0)
    expires = datetime.now(UTC) + timedelta(seconds=1)
    token = jwt.encode(claims(exp=expires), SECRET)
    assert verifier.verify(token).subject == "op-1"
    assert verifier.verify(token).subject == "op-1"  # remembered: not decoded again
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)
    assert refusal(verifier, token) == "token expired"


def test_a_remembered_token_is_no_excuse_for_another_one() -> None:
    verifier = TokenVerifier(secret=SECRET)
    good = jwt.encode(claims(), SECRET)
    assert verifier.verify(good).subject == "op-1"
    forged = jwt.encode(claims(sub="op-2"), "another-secret-long-enough-for-hs256")
    assert refusal(verifier, forged) == "bad signature"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"role": "superuser"}, "unknown role"),
        ({"region": "33.7"}, "invalid region"),
        ({"region": "33%"}, "invalid region"),
        ({"region": "33.71\n"}, "invalid region"),
        ({"region": 33}, "invalid region"),
        ({"region": "33"}, "region does not match role"),
        ({"sub": ""}, "invalid subject"),
        ({"exp": None}, "missing claim"),
        ({"aud": None}, "missing claim"),
        ({"role": None}, "missing claim pilar_role"),
        ({"region": None}, "missing claim pilar_region"),
    ],
)
def test_a_token_with_bad_claims_is_refused(changes: dict[str, Any], reason: str) -> None:
    assert refusal(TokenVerifier(secret=SECRET), jwt.encode(claims(**changes), SECRET)) == reason


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (jwt.encode(claims(), key="", algorithm="none"), "algorithm not allowed"),
        ("not-a-token", "malformed token"),
        ("x" * 10_000, "token too long"),
    ],
)
def test_a_token_that_is_not_a_signed_jwt_is_refused(token: str, reason: str) -> None:
    assert refusal(TokenVerifier(secret=SECRET), token) == reason


def test_role_and_region_claim_names_are_configurable() -> None:
    verifier = TokenVerifier(secret=SECRET, role_claim="pilar/role", region_claim="pilar/region")
    psks = claims(role=None, region=None) | {"pilar/role": "psks", "pilar/region": ""}
    token = jwt.encode(psks, SECRET)
    assert verifier.verify(token).role is Role.PSKS


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        TokenIssuer("secret")


# Tokens of an OIDC provider, checked against its JWKS served over real HTTP


@pytest.fixture(scope="module")
def provider_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_url(provider_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(provider_key.public_key(), as_dict=True)
    body = json.dumps({"keys": [jwk | {"kid": KID, "alg": "RS256", "use": "sig"}]}).encode()

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output quiet."""

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/realms/pilar/certs"
    server.shutdown()
    server.server_close()
    thread.join()


def provider_token(key: Any, *, algorithm: str = "RS256", kid: str = KID) -> str:
    issued = claims(role=None, region=None, iss=PROVIDER)
    issued |= {"pilar_role": "provincial_operator", "pilar_region": "33"}
    return jwt.encode(issued, key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def provider(jwks_url: str) -> TokenVerifier:
    return TokenVerifier(jwks_url=jwks_url, issuer=PROVIDER)


def test_a_provider_token_is_verified_with_its_jwks(
    provider: TokenVerifier, provider_key: rsa.RSAPrivateKey
) -> None:
    principal = provider.verify(provider_token(provider_key))
    assert (principal.role, principal.region) == (Role.PROVINCIAL_OPERATOR, "33")


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (provider_token(rsa.generate_private_key(65537, 2048)), "bad signature"),
        (provider_token(SECRET, algorithm="HS256"), "algorithm not allowed"),
        (provider_token(SECRET, algorithm="HS256", kid="unknown"), "unknown signing key"),
    ],
)
def test_a_token_the_jwks_does_not_vouch_for_is_refused(
    provider: TokenVerifier, token: str, reason: str
) -> None:
    assert refusal(provider, token) == reason


def test_an_unreachable_jwks_refuses_tokens(provider_key: rsa.RSAPrivateKey) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    verifier = TokenVerifier(jwks_url=f"http://127.0.0.1:{closed_port}/certs", issuer=PROVIDER)
    assert refusal(verifier, provider_token(provider_key)) == "signing keys unavailable"


# Region scoping: one matrix for Principal.can_access_region and region_filter

REGIONS = ["", "33", "33.71", RECORD, "33.71.02", "33.72.01.2001", "32.01.01.2001"]
REGION_MATRIX = [
    (NATIONAL, REGIONS),
    (JATENG, ["33", "33.71", RECORD, "33.71.02", "33.72.01.2001"]),
    (MAGELANG, ["33.71", RECORD, "33.71.02"]),
    (SURAKARTA, ["33.72.01.2001"]),
    (JABAR, ["32.01.01.2001"]),
    (PSKS, []),  # a PSKS sees only what is addressed to it, never a region
]


@pytest.mark.parametrize(("principal", "visible"), REGION_MATRIX)
def test_a_principal_sees_only_regions_within_its_authority(
    principal: Principal, visible: list[str]
) -> None:
    assert [code for code in REGIONS if principal.can_access_region(code)] == visible


@pytest.mark.parametrize("code", ["33.7", "33.%", "33.711", "3", "33.71.01.2001.1"])
def test_an_invalid_region_code_is_never_accessible(code: str) -> None:
    assert not NATIONAL.can_access_region(code)


class Base(DeclarativeBase):
    pass


class CaseRow(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    kode_wilayah: Mapped[str]


def rows_seen_by(principal: Principal, codes: list[str]) -> list[str]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(CaseRow(kode_wilayah=code) for code in codes)
        session.flush()
        query = select(CaseRow.kode_wilayah).where(region_filter(CaseRow.kode_wilayah, principal))
        return sorted(session.scalars(query))


@pytest.mark.parametrize(("principal", "visible"), REGION_MATRIX)
def test_region_filter_selects_rows_in_authority(principal: Principal, visible: list[str]) -> None:
    assert rows_seen_by(principal, REGIONS) == sorted(visible)


def test_region_filter_matches_whole_code_segments() -> None:
    assert rows_seen_by(MAGELANG, ["33.7", "33.71", "33.711", "33.71.01", "33.7101"]) == [
        "33.71",
        "33.71.01",
    ]


def test_region_filter_refuses_an_unvalidated_region() -> None:
    smuggled = Principal.model_construct(subject="x", role=Role.REGENCY_OPERATOR, region="3%")
    with pytest.raises(ValueError, match="region code"):
        region_filter(CaseRow.kode_wilayah, smuggled)


# FastAPI dependencies


def create_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_verifier(app, verifier)

    @app.get("/regions/{code}/cases")
    def cases_of_region(code: str, principal: PrincipalDep) -> dict[str, str]:
        ensure_region(principal, code)
        return {"subject": principal.subject}

    @app.get("/audit-log")
    def audit_log(
        auditor: Annotated[Principal, Depends(require_roles(Role.AUDITOR))],
    ) -> dict[str, str]:
        return {"subject": auditor.subject}

    return app


def _http(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


@pytest.fixture
async def client(issuer: TokenIssuer) -> AsyncIterator[httpx.AsyncClient]:
    async with _http(create_app(issuer.verifier())) as http:
        yield http


@pytest.mark.parametrize(
    "authorization", [None, "Bearer x", "Basic b3A6cGFzcw==", f"Bearer {EXPIRED}"]
)
async def test_a_call_without_valid_token_is_401(
    client: httpx.AsyncClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await client.get(f"/regions/{RECORD}/cases", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": UNAUTHENTICATED}


@pytest.mark.parametrize(
    ("principal", "path", "status", "body"),
    [
        (MAGELANG, f"/regions/{RECORD}/cases", 200, {"subject": MAGELANG.subject}),
        (JATENG, f"/regions/{RECORD}/cases", 200, {"subject": JATENG.subject}),
        (AUDITOR, "/audit-log", 200, {"subject": AUDITOR.subject}),
        (SURAKARTA, f"/regions/{RECORD}/cases", 403, {"detail": OUTSIDE_REGION}),
        (PSKS, f"/regions/{RECORD}/cases", 403, {"detail": OUTSIDE_REGION}),
        (NATIONAL, "/audit-log", 403, {"detail": ROLE_NOT_ALLOWED}),
    ],
)
async def test_a_call_is_authorised_by_role_and_region(
    client: httpx.AsyncClient,
    issuer: TokenIssuer,
    principal: Principal,
    path: str,
    status: int,
    body: dict[str, str],
) -> None:
    headers = {"Authorization": f"Bearer {issuer.issue(principal)}"}
    response = await client.get(path, headers=headers)
    assert (response.status_code, response.json()) == (status, body)


async def test_an_app_without_a_verifier_fails_loudly(issuer: TokenIssuer) -> None:
    app = create_app(issuer.verifier())
    del app.state.token_verifier
    async with _http(app) as http:
        with pytest.raises(RuntimeError, match="install_verifier"):
            await http.get("/audit-log", headers={"Authorization": "Bearer any"})


# Settings


def test_settings_read_only_the_callers_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PILAR_TEST_AUTH_JWT_SECRET", SECRET)
    monkeypatch.setenv("PILAR_TEST_AUTH_AUDIENCE", "pilar-cases")
    monkeypatch.setenv("AUDIENCE", "not-for-us")
    settings = AuthSettings(_env_prefix="PILAR_TEST_AUTH_")
    token = issuer_from_settings(settings).issue(MAGELANG)
    assert verifier_from_settings(settings).verify(token) == MAGELANG
    assert (settings.audience, AuthSettings().audience) == ("pilar-cases", "pilar")


def test_settings_with_jwks_url(jwks_url: str, provider_key: rsa.RSAPrivateKey) -> None:
    settings = AuthSettings(jwks_url=jwks_url, issuer=PROVIDER)
    assert verifier_from_settings(settings).verify(provider_token(provider_key)).region == "33"


@pytest.mark.parametrize(
    "settings", [AuthSettings(), AuthSettings(jwt_secret=SECRET, jwks_url="x")]
)
def test_settings_need_exactly_one_key_source(settings: AuthSettings) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        verifier_from_settings(settings)
