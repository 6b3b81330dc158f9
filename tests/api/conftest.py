"""Fixtures of the API tests: the registry service, real database and NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pilar_kit.natsserver import NatsServer
from pilar_registry.app import create_app
from pilar_registry.settings import RegistrySettings
from tests.api.harness import Service, serving, settings_for


@pytest.fixture
def registry_settings(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> RegistrySettings:
    """Registry settings on the test's database and NATS (a module may override them)."""
    return settings_for(RegistrySettings, database_url, nats_server.url, tmp_path)


@pytest.fixture
async def registry(registry_settings: RegistrySettings) -> AsyncIterator[Service]:
    """The registry service with its real database and NATS."""
    async with serving(create_app, registry_settings) as running:
        yield running
