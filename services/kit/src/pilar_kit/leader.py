"""Single-active relay per service database: a PostgreSQL advisory lock, or SQLite's one process."""

from __future__ import annotations

import logging
import zlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger("pilar.leader")


class Leadership:
    """Always the leader: SQLite allows one writing process per database file."""

    async def acquire(self) -> bool:
        """Return True while this process may run the singleton job."""
        return True

    async def release(self) -> None:
        """Give up leadership."""


class AdvisoryLockLeadership(Leadership):
    """Leader while holding a session-level ``pg_try_advisory_lock`` on its own connection."""

    def __init__(self, engine: AsyncEngine, name: str) -> None:
        self.engine = engine
        self.key = zlib.crc32(name.encode())  # stable across processes and releases
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """Take the lock if free; keep it while the connection lives."""
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception:  # noqa: BLE001  connection lost: the lock went with it
                log.warning("lost the leader connection; trying again")
                await self.release()
        conn = await self.engine.connect()
        got = await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
        await conn.commit()
        if got:
            self._conn = conn
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        """Close the leader connection, which frees the lock."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.close()
            except Exception:  # noqa: BLE001  already broken
                log.debug("leader connection was already closed")


def leadership_for(engine: AsyncEngine, name: str) -> Leadership:
    """Return the right leadership for the engine's dialect."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLeadership(engine, name)
    return Leadership()
