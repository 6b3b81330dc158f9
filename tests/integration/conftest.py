"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pilar_analytics.app import MIGRATIONS
from pilar_kit.db import create_engine, session_factory
from pilar_kit.migrations import upgrade
from pilar_kit.natsserver import NatsServer
from tests.integration.kit_app import KitApp, connect


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The analytics schema, migrated, on a fresh database."""
    engine = create_engine(database_url)
    await upgrade(engine, MIGRATIONS)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[KitApp]:
    """The kit's test service on a fresh SQLite file or PostgreSQL database."""
    app = await KitApp.open(database_url)
    try:
        yield app
    finally:
        await app.close()


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    """A reconnecting NATS connection to the test's nats-server."""
    nc = await connect(nats_server.url)
    try:
        yield nc
    finally:
        await nc.close()
