"""A rebuild drops the read models' secondary indexes for the load and leaves them as migrated."""

from __future__ import annotations

import io
from pathlib import Path

import nats
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pilar_analytics import rebuild as rebuilding
from pilar_analytics.app import MIGRATIONS
from pilar_analytics.settings import AnalyticsSettings
from pilar_kit.db import create_engine
from pilar_kit.migrations import upgrade
from pilar_kit.natsserver import NatsServer
from pilar_kit.provision import provision
from tests.api.harness import settings_for

pytestmark = pytest.mark.integration


async def definitions(engine: AsyncEngine) -> dict[str, str]:
    """Every index of the database by name, with its definition as the database states it."""
    query = (
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        if engine.dialect.name == "postgresql"
        else "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(text(query))).all()
    return {str(name): str(sql) for name, sql in rows}


async def test_indexes_after_a_rebuild_and_a_failed_one_are_the_migrations_own(
    database_url: str, nats_server: NatsServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(AnalyticsSettings, database_url, nats_server.url, tmp_path)
    nc = await nats.connect(nats_server.url)
    engine = create_engine(database_url)
    try:
        await provision(nc.jetstream())
        await upgrade(engine, MIGRATIONS)
        migrated = await definitions(engine)
        assert len(migrated) > 5  # the read models' covering indexes among them

        await rebuilding.rebuild(settings, MIGRATIONS, out=io.StringIO())
        assert await definitions(engine) == migrated

        async def cut_off(*_: object, **__: object) -> None:
            assert await definitions(engine) != migrated  # the load runs without them
            raise ConnectionError("replay cut off")

        monkeypatch.setattr(rebuilding, "replay", cut_off)
        with pytest.raises(ConnectionError):
            await rebuilding.rebuild(settings, MIGRATIONS, out=io.StringIO())
        assert await definitions(engine) == migrated
    finally:
        await engine.dispose()
        await nc.close()
