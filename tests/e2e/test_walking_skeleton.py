"""One certification followed from the HTTP call to the e-mail, the analytics count, the replica,
and one trace across every service."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from pilar_kit.auth import Principal, Role
from pilar_kit.mailcatcher import MailCatcher
from pilar_kit.natsserver import NatsServer, free_port
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.platform import SERVICES, Platform, running_platform

pytestmark = pytest.mark.e2e
T = TypeVar("T")
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 30) -> T:
    """Poll until the probe returns something, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def mail(tmp_path: Path) -> Iterator[MailCatcher]:
    """A local SMTP server keeping messages as files."""
    catcher = MailCatcher(tmp_path / "mail", port=free_port())
    catcher.start()
    yield catcher
    catcher.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def platform(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    nats_server: NatsServer,
    mail: MailCatcher,
    postgres_available: bool,
) -> Iterator[Platform]:
    """The four services on SQLite files, or each on its own PostgreSQL database."""
    if request.param == "sqlite":
        urls = {s: f"sqlite+aiosqlite:///{tmp_path / s}.db" for s in SERVICES}
        with running_platform(tmp_path, nats_server.url, urls, mail.port) as running:
            yield running
        return
    if not postgres_available:
        pytest.skip("PostgreSQL not reachable")
    yield from _on_postgres(tmp_path, nats_server, mail)


def _on_postgres(tmp_path: Path, nats_server: NatsServer, mail: MailCatcher) -> Iterator[Platform]:
    urls = {s: asyncio.run(create_postgres_database()) for s in SERVICES}
    try:
        with running_platform(tmp_path, nats_server.url, urls, mail.port) as running:
            yield running
    finally:
        for url in urls.values():
            asyncio.run(drop_postgres_database(url))


async def test_certification_flows_through_every_service(
    platform: Platform, mail: MailCatcher
) -> None:
    """registry -> VolunteerCertified -> e-mail, NotificationDelivered, analytics, replica."""
    operator = platform.headers(Role.REGENCY_OPERATOR, "33.71")
    checker = {
        "Authorization": "Bearer "
        + platform.issuer.issue(
            Principal(subject="checker", role=Role.REGENCY_OPERATOR, region="33.71")
        )
    }
    async with httpx.AsyncClient(timeout=10) as http:
        registry = platform.urls["registry"]
        body = {
            "psks_type": "PSKS-03",
            "region": "33.71.01.1003",
            "nik": "3371015508900001",
            "display_name": "Sari Wulandari",
            "email": "sari@example.org",
            "competencies": ["dapur_umum"],
            "details": {"tier": "muda"},
        }
        created = await http.post(f"{registry}/volunteers", headers=operator, json=body)
        assert created.status_code == 201, created.text
        volunteer_id = created.json()["id"]
        verified = await http.post(f"{registry}/volunteers/{volunteer_id}/verify", headers=checker)
        assert verified.status_code == 200, verified.text
        traceparent = {"traceparent": f"00-{TRACE_ID}-00f067aa0ba902b7-01"}
        certified = await http.post(
            f"{registry}/volunteers/{volunteer_id}/certifications",
            headers=operator | traceparent,
            json={
                "scheme": "TAGANA",
                "level": "MUDA",
                "certificate_no": "TGN-33-0001",
                "valid_from": "2026-01-01",
                "valid_until": "2030-12-31",
            },
        )
        assert certified.status_code == 201, certified.text
        national = platform.headers(Role.NATIONAL_OPERATOR)

        async def counted() -> list[dict[str, Any]] | None:
            r = await http.get(
                f"{platform.urls['analytics']}/indicators/certified-volunteers", headers=national
            )
            return r.json() if r.status_code == 200 and r.json() else None

        assert await eventually(counted) == [{"province": "33", "name": "Jawa Tengah", "count": 1}]

        async def replicated() -> list[dict[str, Any]] | None:
            r = await http.get(f"{platform.urls['cases']}/pillars", headers=operator)
            return r.json() or None

        pillars = await eventually(replicated)
        assert [(p["volunteer_id"], p["scheme"]) for p in pillars] == [(volunteer_id, "TAGANA")]

        async def delivered() -> list[dict[str, Any]] | None:
            r = await http.get(f"{platform.urls['notifications']}/deliveries", headers=national)
            rows = [d for d in r.json() if d["status"] == "delivered"]
            return rows or None

        deliveries = await eventually(delivered)
        assert [(d["recipient_id"], d["channel"], d["attempts"]) for d in deliveries] == [
            (volunteer_id, "email", 1)
        ]

    mails = sorted(mail.folder.glob("*.eml"))
    assert len(mails) == 1
    message = message_from_bytes(mails[0].read_bytes())
    assert message["To"] == "sari@example.org"
    assert "TGN-33-0001" in message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    await _assert_one_trace(platform)


async def _assert_one_trace(platform: Platform) -> None:
    """The trace id of the HTTP call reaches the consumers in the other services."""

    async def spans_of(service: str) -> list[dict[str, Any]] | None:
        path = platform.trace_file(service)
        if not path.exists():
            return None
        spans = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        mine = [s for s in spans if s["context"]["trace_id"] == f"0x{TRACE_ID}"]
        return mine or None

    for service in SERVICES:
        spans = await eventually(lambda s=service: spans_of(s), timeout=15)  # type: ignore[misc]
        assert spans, service
    expected = {"pilar.registry.volunteer.certified.v1 process", "notify volunteer_certified"}

    async def notification_spans() -> set[str] | None:
        names = {s["name"] for s in (await spans_of("notifications")) or []}
        return names if expected <= names else None

    assert expected <= await eventually(notification_spans, timeout=15)
