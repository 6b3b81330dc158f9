"""A service's real FastAPI app, started with its lifespan against a real nats-server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from pilar_kit.auth import AuthSettings, Principal, Role, TokenIssuer, issuer_from_settings
from pilar_kit.runtime import Runtime
from pilar_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
Service = tuple[httpx.AsyncClient, Runtime]  # a running service: its HTTP client and runtime
SECRET = SecretStr("api-test-secret-" + "y" * 40)
ISSUER: TokenIssuer = issuer_from_settings(AuthSettings(jwt_secret=SECRET))


def bearer(role: Role, region: str = "", subject: str | None = None) -> dict[str, str]:
    """Authorization header for a principal."""
    principal = Principal(subject=subject or f"test-{role.value}", role=role, region=region)
    return {"Authorization": f"Bearer {ISSUER.issue(principal)}"}


@asynccontextmanager
async def serving(
    create_app: Callable[[ServiceSettings], FastAPI],
    settings: ServiceSettings,
) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    """Start the app's lifespan (migrations, NATS, consumers) and give an HTTP client to it."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client, app.state.runtime


def settings_for(cls: type[S], database_url: str, nats_url: str, data_dir: Path) -> S:
    """Settings of a service under test."""
    return cls(
        database_url=database_url,
        nats_url=nats_url,
        data_dir=data_dir,
        fetch_timeout=0.1,
        auth=AuthSettings(jwt_secret=SECRET),
    )


def make_nik(district: str, serial: int, *, female: bool = False) -> str:
    """A structurally valid NIK registered in a district (born 15-08-1990)."""
    day = 15 + (40 if female else 0)
    return f"{district.replace('.', '')}{day:02d}0890{serial:04d}"


REGISTRAR = "operator-registrar"
CHECKER = "operator-checker"


async def enrol(
    http: httpx.AsyncClient,
    *,
    region: str,
    serial: int,
    certificate_no: str | None = None,
    psks_type: str = "PSKS-03",
    details: dict[str, object] | None = None,
    email: str | None = None,
) -> str:
    """Register a person, have a second operator verify it, optionally certify; return its id."""
    maker = bearer(Role.NATIONAL_OPERATOR, subject=REGISTRAR)
    checker = bearer(Role.NATIONAL_OPERATOR, subject=CHECKER)
    body: dict[str, object] = {
        "psks_type": psks_type,
        "region": region,
        "nik": make_nik(region[:8], serial),
        "display_name": f"Relawan {serial}",
        "details": details if details is not None else {"tier": "muda"},
    }
    if email:
        body["email"] = email
    created = await http.post("/volunteers", json=body, headers=maker)
    assert created.status_code == 201, created.text
    volunteer_id: str = created.json()["id"]
    verified = await http.post(f"/volunteers/{volunteer_id}/verify", headers=checker)
    assert verified.status_code == 200, verified.text
    if certificate_no:
        cert = {"scheme": "TAGANA", "certificate_no": certificate_no, "valid_from": "2026-01-01"}
        url = f"/volunteers/{volunteer_id}/certifications"
        certified = await http.post(url, json=cert, headers=checker)
        assert certified.status_code == 201, certified.text
    return volunteer_id


async def staged(runtime: Runtime) -> list[tuple[str, dict[str, Any]]]:
    """Every event a service staged in its outbox, as (subject, body), in order."""
    table = runtime.outbox.table
    query = select(table.c.subject, table.c.payload).order_by(table.c.id)
    async with runtime.transaction() as session:
        rows = (await session.execute(query)).all()
    return [(subject, json.loads(payload)) for subject, payload in rows]
