"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pilar_analytics.app import MIGRATIONS
from pilar_kit.db import create_engine, session_factory
from pilar_kit.migrations import upgrade


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """The analytics schema, migrated, on a fresh database."""
    engine = create_engine(database_url)
    await upgrade(engine, MIGRATIONS)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
