"""Shared fixtures: a real nats-server per test, and a database on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from pilar_kit.db import create_engine
from pilar_kit.natsserver import NatsServer

PG_ADMIN_URL = os.environ.get("PILAR_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A fresh nats-server with JetStream on a free port; tests may kill and restart it."""
    server = NatsServer(tmp_path / "jetstream", log_file=tmp_path / "nats-server.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()  # its store is thrown away: a graceful stop would only flush it (0.1 s)


async def _postgres_available() -> bool:
    try:
        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


@pytest.fixture(scope="session")
def postgres_available() -> bool:
    """Whether PostgreSQL answers; in CI its absence is a failure, not a skip."""
    available = asyncio.run(_postgres_available())
    if not available and IN_CI:
        pytest.fail(f"PostgreSQL is required in CI but {PG_ADMIN_URL} does not answer")
    return available


async def create_postgres_database() -> str:
    """Create an empty PostgreSQL database and return its SQLAlchemy URL."""
    name = f"pilar_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


async def drop_postgres_database(url: str) -> None:
    """Drop a database made by ``create_postgres_database``, even with connections open."""
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """An empty PostgreSQL database for the duration of the block."""
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
async def postgres_url(postgres_available: bool) -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    if not postgres_available:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_available: bool
) -> AsyncIterator[str]:
    """The same test on a SQLite file and on a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    if not postgres_available:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    async with fresh_postgres_database() as url:
        yield url


@asynccontextmanager
async def engine_with_tables(url: str, metadata: MetaData) -> AsyncIterator[AsyncEngine]:
    """An engine on ``url`` with the tables of ``metadata`` created, disposed on the way out."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield engine
    finally:
        await engine.dispose()
