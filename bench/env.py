"""The bench's surroundings: its own nats-server, its databases, the machine and versions."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg

from pilar_kit.natsserver import NatsServer, free_port, server_binary

DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
NATS_DEFAULT_PORT = 4222
PACKAGES = ("nats-py", "faststream", "sqlalchemy", "aiosqlite", "asyncpg", "pydantic")


@contextmanager
def nats_server(root: Path) -> Iterator[NatsServer]:
    """Run a private nats-server (JetStream, file storage) in ``root``; never on port 4222."""
    port = free_port()
    while port == NATS_DEFAULT_PORT:
        port = free_port()
    server = NatsServer(root / "jetstream", port=port, log_file=root / "nats-server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


Database = Callable[[], AbstractAsyncContextManager[str]]  # a fresh database's URL per use


async def each_database(
    only: str | None, pg_url: str, measure: Callable[[str, Database], Awaitable[int]]
) -> int:
    """``measure(name, database)`` on SQLite and, when it answers, PostgreSQL; targets missed."""
    missed = 0
    if only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="pilar-bench-") as root:
            missed += await measure("sqlite", lambda: sqlite_database(Path(root)))
    if only in (None, "postgresql"):
        if await postgres_version(pg_url) is None:
            print(f"PostgreSQL not reachable at {pg_url}; skipped", file=sys.stderr)
        else:
            missed += await measure("postgresql", lambda: postgres_database(pg_url))
    return missed


@asynccontextmanager
async def sqlite_database(root: Path) -> AsyncIterator[str]:
    """A fresh SQLite file in a folder of its own under ``root``, as a database per use."""
    folder = root / uuid.uuid4().hex[:12]
    folder.mkdir()
    yield sqlite_url(folder)


def sqlite_url(root: Path) -> str:
    """The SQLAlchemy URL of a fresh SQLite file in ``root``."""
    return f"sqlite+aiosqlite:///{root / f'bench-{uuid.uuid4().hex[:8]}.db'}"


async def postgres_version(admin_url: str) -> str | None:
    """PostgreSQL's version, or None when it does not answer."""
    try:
        conn = await asyncpg.connect(admin_url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


@asynccontextmanager
async def postgres_database(admin_url: str) -> AsyncIterator[str]:
    """A fresh PostgreSQL database for the block (dropped after); yields its SQLAlchemy URL."""
    name = f"pilar_bench_{uuid.uuid4().hex[:12]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(admin_url: str, statement: str) -> None:
    """Run one statement on the admin database."""
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    return {
        "nproc": _nproc(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _nproc() -> int:
    """CPUs this process may run on, as ``nproc`` counts them."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo, else the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions() -> dict[str, str]:
    """Versions of Python, nats-server and the client libraries."""
    found = {"python": platform.python_version(), "nats-server": _nats_server_version()}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def _nats_server_version() -> str:
    """The nats-server binary's version, e.g. ``v2.15.1``."""
    out = subprocess.run(
        [server_binary(), "--version"], capture_output=True, text=True, check=False, timeout=10
    )
    return out.stdout.strip().rsplit(" ", 1)[-1] or "unknown"
