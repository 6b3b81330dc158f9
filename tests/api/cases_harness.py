"""The cases service under test: its real app on a real database and nats-server, plus helpers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import select

from pilar_cases import handlers
from pilar_cases.app import create_app
from pilar_cases.settings import CasesSettings
from pilar_cases.store import outbox
from pilar_contracts import Event, wrap
from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.events.registry import (
    SOURCE,
    CertificationRevoked,
    VolunteerCertified,
    VolunteerCompetenciesChanged,
    VolunteerRegistered,
    VolunteerStatusChanged,
)
from pilar_kit.auth import AuthSettings, Role
from pilar_kit.consumer import Delivery
from pilar_kit.natsserver import NatsServer
from pilar_kit.runtime import Runtime
from tests.api.harness import SECRET, bearer, make_nik, serving

Service = tuple[httpx.AsyncClient, Runtime]
MAGELANG = bearer(Role.REGENCY_OPERATOR, "33.71", subject="operator-magelang")
SEMARANG = bearer(Role.REGENCY_OPERATOR, "33.74", subject="operator-semarang")
NATIONAL = bearer(Role.NATIONAL_OPERATOR, subject="operator-nasional")
AUDITOR = bearer(Role.AUDITOR, subject="auditor-1")
VILLAGE = "33.71.01.1003"
NAME = "Siti Aminah"
PHONE = "+6281234567890"
NIK = make_nik("33.71.01", 7, female=True)


def case_body(**changes: Any) -> dict[str, Any]:
    """A valid intake of an older woman in Kota Magelang, with consent given."""
    body = {
        "client_kind": "person",
        "nik": NIK,
        "kk": "3371011501100003",
        "display_name": NAME,
        "birth_date": "1990-08-15",
        "sex": "F",
        "phone": PHONE,
        "address": "Jl. Pahlawan 12",
        "pmks_category": "PMKS-08",
        "region": VILLAGE,
        "urgency": "priority",
        "consent": "given",
    }
    return body | changes


def psks(volunteer_id: UUID) -> dict[str, str]:
    """Authorization header of a PSKS speaking for a volunteer."""
    return bearer(Role.PSKS, "33.71", subject=str(volunteer_id))


@pytest.fixture
async def cases(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[Service]:
    """The cases service with its real database and NATS."""
    async with serving(
        create_app, cases_settings(database_url, nats_server.url, tmp_path)
    ) as running:
        yield running


def cases_settings(
    database_url: str, nats_url: str, data_dir: Path, **changes: Any
) -> CasesSettings:
    """Settings of the cases service under test."""
    return CasesSettings(
        database_url=database_url,
        nats_url=nats_url,
        data_dir=data_dir,
        fetch_timeout=0.1,
        auth=AuthSettings(jwt_secret=SECRET),
        **changes,
    )


async def deliver(
    runtime: Runtime, event: Event, subject: str, region: str, at: datetime | None = None
) -> None:
    """Hand one registry event about ``subject`` to cases' handler as its consumer does."""
    outgoing = wrap(event, source=SOURCE, subject=subject, region=region)
    envelope = outgoing.envelope.model_copy(update={"time": at}) if at else outgoing.envelope
    delivery = Delivery(envelope, outgoing.nats_subject, 1)
    handler = handlers.registry_events.handlers[type(event)]
    async with runtime.transaction() as session:
        await handler(event, delivery, session)  # type: ignore[operator]


async def certified_pillar(
    runtime: Runtime, region: str, psks_type: str = "PSKS-02", valid_until: date | None = None
) -> tuple[UUID, UUID]:
    """Replicate a certified pillar through the handlers; return (volunteer, certification)."""
    volunteer_id, certification_id = uuid4(), uuid4()
    event = VolunteerCertified(
        volunteer_id=volunteer_id,
        psks_type=psks_type,
        region=region,
        certification_id=certification_id,
        scheme="PSM",
        certificate_no="PSM-1",
        valid_from=date(2026, 1, 1),
        valid_until=valid_until,
    )
    await deliver(runtime, event, f"volunteer/{volunteer_id}", region)
    return volunteer_id, certification_id


async def revoke(runtime: Runtime, volunteer_id: UUID, certification_id: UUID) -> None:
    """Replicate a revocation."""
    event = CertificationRevoked(
        volunteer_id=volunteer_id, certification_id=certification_id, reason_code="pelanggaran"
    )
    await deliver(runtime, event, f"volunteer/{volunteer_id}", VILLAGE)


async def set_status(runtime: Runtime, volunteer_id: UUID, status: VolunteerStatus) -> None:
    """Replicate an availability change."""
    event = VolunteerStatusChanged(volunteer_id=volunteer_id, status=status)
    await deliver(runtime, event, f"volunteer/{volunteer_id}", VILLAGE)


async def set_competencies(
    runtime: Runtime, volunteer_id: UUID, competencies: tuple[str, ...], at: datetime
) -> None:
    """Replicate a change of a person's competencies, announced at ``at``."""
    event = VolunteerCompetenciesChanged(volunteer_id=volunteer_id, competencies=competencies)
    await deliver(runtime, event, f"volunteer/{volunteer_id}", VILLAGE, at)


async def registered(
    runtime: Runtime, volunteer_id: UUID, competencies: tuple[str, ...], at: datetime
) -> None:
    """Replicate a person's registration with the competencies it listed, announced at ``at``."""
    event = VolunteerRegistered(
        volunteer_id=volunteer_id,
        psks_type="PSKS-02",
        region=VILLAGE,
        competencies=competencies,
        registered_at=at,
    )
    await deliver(runtime, event, f"volunteer/{volunteer_id}", VILLAGE, at)


async def staged(runtime: Runtime) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Every staged event as (subject, headers, body), in order."""
    async with runtime.transaction() as session:
        query = select(outbox.c.subject, outbox.c.headers, outbox.c.payload).order_by(outbox.c.id)
        rows = (await session.execute(query)).all()
    return [(row.subject, dict(row.headers), json.loads(row.payload)) for row in rows]


async def open_case(http: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    """Open a case as the Magelang operator and return its body."""
    response = await http.post("/cases", json=case_body(**changes), headers=MAGELANG)
    assert response.status_code == 201, response.text
    opened: dict[str, Any] = response.json()
    return opened


def now() -> datetime:
    """The real clock, for comparisons."""
    return datetime.now(UTC)
