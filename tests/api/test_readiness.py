"""Readiness tells the truth: a service whose pull loop died is not ready, though NATS answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pilar_kit.natsserver import NatsServer
from pilar_registry.app import create_app
from pilar_registry.settings import RegistrySettings
from tests.api.harness import serving, settings_for

pytestmark = pytest.mark.integration


async def test_a_dead_pull_loop_makes_the_service_not_ready(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    settings = settings_for(
        RegistrySettings, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", nats_server.url, tmp_path
    )
    async with serving(create_app, settings) as (registry, runtime):
        ready = await registry.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["pull_loops"] is True

        loops = [task for sub in runtime._subscribers for task in sub.tasks]
        assert loops, "the registry consumes at least one stream"
        for task in loops:  # a cancelled loop is not restarted by FastStream's supervisor
            task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)

        dead = await registry.get("/readyz")
        assert dead.status_code == 503
        assert dead.json()["checks"]["pull_loops"] is False
        assert dead.json()["checks"]["nats"] is True
