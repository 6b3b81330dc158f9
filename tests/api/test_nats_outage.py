"""A service survives the loss of NATS: not ready while it is gone, nothing lost, recovers alone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from httpx import AsyncClient

from pilar_analytics.app import create_app as create_analytics
from pilar_analytics.settings import AnalyticsSettings
from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from pilar_registry.app import create_app as create_registry
from pilar_registry.settings import RegistrySettings
from tests.api.harness import bearer, enrol, serving, settings_for

pytestmark = pytest.mark.integration
OPERATOR = bearer(Role.NATIONAL_OPERATOR)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    """Wait until the check holds, or fail."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.2)


async def test_registry_and_analytics_ride_out_a_nats_outage(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    registry_settings = settings_for(
        RegistrySettings, database_url, nats_server.url, tmp_path / "r"
    )
    analytics_url = f"sqlite+aiosqlite:///{tmp_path / 'analytics.db'}"
    analytics_settings = settings_for(
        AnalyticsSettings, analytics_url, nats_server.url, tmp_path / "a"
    )
    async with (
        serving(create_registry, registry_settings) as (registry, _),
        serving(create_analytics, analytics_settings) as (analytics, _),
    ):
        assert (await registry.get("/readyz")).status_code == 200
        await certify(registry, "33.71.01.1003", "A-1")
        await until(lambda: counted(analytics, 1))

        nats_server.kill()
        await until(lambda: not_ready(registry))
        body = (await registry.get("/readyz")).json()
        assert body["checks"]["nats"] is False
        assert body["checks"]["database"] is True
        for n in range(3):  # the database is the source of truth: writes go on
            await certify(registry, "32.04.05.2001", f"B-{n}")

        nats_server.restart()
        await until(lambda: ready(registry))
        await until(lambda: ready(analytics))
        await until(lambda: counted(analytics, 4), timeout=60)

        async def drained() -> bool:
            metrics = (await registry.get("/metrics")).text
            return 'pilar_outbox_backlog{service="registry"} 0.0' in metrics

        await until(drained)


async def certify(http: AsyncClient, region: str, number: str) -> None:
    """Register, verify and certify one volunteer."""
    serial = int(number.split("-")[1]) + (100 if number.startswith("B") else 0) + 1
    await enrol(http, region=region, serial=serial, certificate_no=number)


async def counted(http: AsyncClient, expected: int) -> bool:
    """True when analytics counts the expected number of certified volunteers."""
    response = await http.get("/indicators/certified-volunteers", headers=OPERATOR)
    total: int = sum(p["count"] for p in response.json())
    return total == expected


async def ready(http: AsyncClient) -> bool:
    """True when the service reports ready."""
    return (await http.get("/readyz")).status_code == 200


async def not_ready(http: AsyncClient) -> bool:
    """True when the service reports not ready."""
    return not await ready(http)
