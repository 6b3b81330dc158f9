"""Real service processes killed with SIGKILL mid-stream lose nothing and apply nothing twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import nats
import pytest

from pilar_kit.auth import Principal, Role
from pilar_kit.natsserver import NatsServer
from tests.api.harness import make_nik
from tests.e2e.platform import Platform
from tests.e2e.test_walking_skeleton import eventually, mail, platform  # noqa: F401  fixtures

pytestmark = pytest.mark.e2e
VILLAGE = "33.71.01.1003"
CERTIFIED = "pilar.registry.volunteer.certified.>"


async def test_killed_services_catch_up_exactly(
    platform: Platform,  # noqa: F811  the fixture imported above
    nats_server: NatsServer,
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for serial in range(1, 9):
            await _certify(http, platform, serial)
        platform.kill("analytics")  # consumers die, perhaps mid-batch
        platform.kill("cases")
        for serial in range(9, 17):
            await _certify(http, platform, serial)
        platform.kill("registry")  # right after a commit: its relay may not have published yet
        for service in ("registry", "analytics", "cases"):
            platform.start(service)
        await platform.ready()
        for serial in range(17, 25):
            await _certify(http, platform, serial)

        national = platform.headers(Role.NATIONAL_OPERATOR)

        async def counted() -> int | None:
            url = f"{platform.urls['analytics']}/indicators/certified-volunteers"
            rows: list[dict[str, Any]] = (await http.get(url, headers=national)).json()
            total = sum(row["count"] for row in rows)
            return total if total == 24 else None

        async def replicated() -> int | None:
            url = f"{platform.urls['cases']}/pillars"
            pillars = (await http.get(url, headers=national)).json()
            return len(pillars) if len(pillars) == 24 else None

        assert await eventually(counted, timeout=90) == 24
        assert await eventually(replicated, timeout=90) == 24
    ids = await _certified_event_ids(nats_server.url)
    assert len(ids) == 24, "every certification published"
    assert Counter(ids).most_common(1)[0][1] == 1, "and published once"


async def _certify(http: httpx.AsyncClient, services: Platform, serial: int) -> None:
    """Register, verify (a second operator) and certify one Tagana member."""
    registry = services.urls["registry"]
    maker = services.headers(Role.REGENCY_OPERATOR, "33.71")
    checker = {
        "Authorization": "Bearer "
        + services.issuer.issue(
            Principal(subject="checker", role=Role.REGENCY_OPERATOR, region="33.71")
        )
    }
    body = {
        "psks_type": "PSKS-03",
        "region": VILLAGE,
        "nik": make_nik(VILLAGE[:8], serial),
        "display_name": f"Relawan {serial}",
        "details": {"tier": "muda"},
    }
    created = await http.post(f"{registry}/volunteers", headers=maker, json=body)
    assert created.status_code == 201, created.text
    volunteer = created.json()["id"]
    verified = await http.post(f"{registry}/volunteers/{volunteer}/verify", headers=checker)
    assert verified.status_code == 200, verified.text
    certificate = {
        "scheme": "TAGANA",
        "certificate_no": f"TGN-{serial}",
        "valid_from": "2026-01-01",
    }
    url = f"{registry}/volunteers/{volunteer}/certifications"
    certified = await http.post(url, headers=maker, json=certificate)
    assert certified.status_code == 201, certified.text


async def _certified_event_ids(nats_url: str) -> list[str]:
    """The ce-id of every VolunteerCertified in the registry stream."""
    nc = await nats.connect(nats_url)
    try:
        sub = await nc.jetstream().pull_subscribe(CERTIFIED, stream="PILAR_REGISTRY")
        ids: list[str] = []
        while True:
            try:
                batch = await sub.fetch(100, timeout=1)
            except nats.errors.TimeoutError:
                return ids
            ids += [(m.headers or {})["ce-id"] for m in batch]
    finally:
        await nc.close()
