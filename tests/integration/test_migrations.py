"""Every service's migrations go up, down and up again on both databases and match the models."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

from pilar_kit.db import create_engine
from pilar_kit.migrations import downgrade, upgrade

SERVICES = ("registry", "cases", "notifications", "analytics")


def _service(name: str) -> tuple[MetaData, Path]:
    store = importlib.import_module(f"pilar_{name}.store")
    app = importlib.import_module(f"pilar_{name}.app")
    return store.Base.metadata, app.MIGRATIONS


def _drift(connection: Connection, metadata: MetaData) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_round_trip_and_match_the_models(service: str, database_url: str) -> None:
    metadata, migrations = _service(service)
    engine = create_engine(database_url)
    try:
        await upgrade(engine, migrations)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set(metadata.tables)
            assert await conn.run_sync(_drift, metadata) == []
        await downgrade(engine, migrations)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set()
        await upgrade(engine, migrations)
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set(metadata.tables)
    finally:
        await engine.dispose()
