"""The expiry scheduler: notices 30, 7 and 1 days before, the expiry itself, each sent once."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from pilar_kit.auth import Role
from pilar_kit.leader import AdvisoryLockLeadership
from pilar_kit.runtime import Runtime
from pilar_registry.jobs import ExpiryScheduler
from pilar_registry.settings import RegistrySettings
from pilar_registry.store import outbox
from tests.api.harness import CHECKER, Service, bearer, enrol

pytestmark = pytest.mark.integration
CHECKS = bearer(Role.NATIONAL_OPERATOR, subject=CHECKER)


@pytest.fixture
def registry_settings(registry_settings: RegistrySettings) -> RegistrySettings:
    """The service's own scheduler asleep, so that the test drives every scan."""
    return registry_settings.model_copy(update={"expiry_scan_seconds": 3600.0})


async def _certify(http: httpx.AsyncClient, serial: int, valid_until: str) -> str:
    volunteer_id = await enrol(http, region="33.71.01.1003", serial=serial)
    body = {
        "scheme": "TAGANA",
        "certificate_no": f"TGN-{serial}",
        "valid_from": "2020-01-01",
        "valid_until": valid_until,
    }
    url = f"/volunteers/{volunteer_id}/certifications"
    response = await http.post(url, json=body, headers=CHECKS)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _expiry_events(runtime: Runtime) -> Counter[tuple[str, str]]:
    async with runtime.transaction() as session:
        rows = (await session.execute(select(outbox.c.subject, outbox.c.payload))).all()
    found: Counter[tuple[str, str]] = Counter()
    for subject, payload in rows:
        if ".certification.expir" in subject:
            found[(subject.split(".")[3], json.loads(payload)["certification_id"])] += 1
    return found


async def test_every_due_certificate_is_announced_once_across_pages(registry: Service) -> None:
    http, runtime = registry
    today = datetime.now(UTC).date()
    soon = [await _certify(http, n, str(today + timedelta(days=5))) for n in range(1, 6)]
    lapsed = [await _certify(http, n, str(today - timedelta(days=1))) for n in range(6, 9)]
    later = await _certify(http, 9, str(today + timedelta(days=90)))

    scheduler = ExpiryScheduler(interval=3600, page_size=2)  # pages smaller than the work
    assert await scheduler.scan(runtime) == len(soon) + len(lapsed)
    assert await scheduler.scan(runtime) == 0  # nothing twice

    events = await _expiry_events(runtime)
    assert events == Counter(
        {("expiring", c): 1 for c in soon} | {("expired", c): 1 for c in lapsed}
    )
    assert all(later != certification for _, certification in events)


async def test_a_second_instance_does_not_scan_while_the_first_leads(registry: Service) -> None:
    http, runtime = registry
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite allows one writing process: every instance leads")
    # another instance leads: this one, or the running service's own scheduler if it came first
    leader = AdvisoryLockLeadership(runtime.engine, "pilar-registry-expiry")
    await leader.acquire()
    today = datetime.now(UTC).date()
    due = await _certify(http, 1, str(today + timedelta(days=7)))

    second = asyncio.create_task(ExpiryScheduler(interval=0.05).run(runtime))
    try:
        await asyncio.sleep(0.5)  # ten chances to scan, had it led
        assert await _expiry_events(runtime) == Counter()
    finally:
        second.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await second
        await leader.release()
    assert await ExpiryScheduler(interval=3600).scan(runtime) == 1
    assert await _expiry_events(runtime) == Counter({("expiring", due): 1})
