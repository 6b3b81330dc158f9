"""Readiness tells the truth: a dead pull loop, or a subject the bus refused, is not ready."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from nats import errors

from pilar_kit.natsserver import NatsServer
from pilar_registry.settings import RegistrySettings
from tests.api.harness import Service, settings_for

pytestmark = pytest.mark.integration


@pytest.fixture
def registry_settings(nats_server: NatsServer, tmp_path: Path) -> RegistrySettings:
    """The registry on SQLite only: readiness does not depend on the database kind."""
    return settings_for(
        RegistrySettings, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", nats_server.url, tmp_path
    )


async def test_a_dead_pull_loop_makes_the_service_not_ready(registry: Service) -> None:
    http, runtime = registry
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["pull_loops"] is True

    loops = [task for sub in runtime._subscribers for task in sub.tasks]
    assert loops, "the registry consumes at least one stream"
    for task in loops:  # a cancelled loop is not restarted by FastStream's supervisor
        task.cancel()
    await asyncio.gather(*loops, return_exceptions=True)

    dead = await http.get("/readyz")
    assert dead.status_code == 503
    assert dead.json()["checks"]["pull_loops"] is False
    assert dead.json()["checks"]["nats"] is True


async def test_a_subject_the_bus_refused_makes_the_service_not_ready(registry: Service) -> None:
    http, runtime = registry
    assert (await http.get("/readyz")).json()["checks"]["bus_permissions"] is True
    refusal = "nats: 'Permissions Violation for Subscription to \"_INBOX.x\"'"
    await runtime._bus_error(errors.Error(refusal))  # as nats-py reports it
    await runtime._bus_error(errors.Error("nats: stale connection"))  # not a refusal

    refused = await http.get("/readyz")
    assert refused.status_code == 503
    assert refused.json()["checks"]["bus_permissions"] is False
    assert runtime.bus_refusals == 1
