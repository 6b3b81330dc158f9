"""Where clients' wrapped data keys are kept: beside the sealed data, or in a database apart.

Beside (the default) a key is written in the same transaction as the data it opens, but every
backup of the cases database then holds both, and an erasure reaches a backup only when that
backup expires. Apart (``PILAR_CASES_KEY_DATABASE_URL``) the keys live in a database of their
own whose backups are kept briefly: deleting a key then leaves every longer-kept backup of the
cases database unreadable for that client. A key is committed there before the data it opens,
so sealed data never exists without its key; a key left without data is harmless.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pilar_cases.store.tables import ClientKeyRow

KEYS = ClientKeyRow.metadata.tables[ClientKeyRow.__tablename__]
_ADD = KEYS.insert()  # built once, cache key kept
_WRAPPED = select(KEYS.c.wrapped_key).where(KEYS.c.client_ref == bindparam("ref"))
_DELETE = delete(KEYS).where(KEYS.c.client_ref == bindparam("ref"))


class ClientKeys(Protocol):
    """The wrapped data keys of clients."""

    async def get(self, client_ref: str) -> bytes | None:
        """A client's wrapped key, or None (never made, or erased)."""

    async def add(self, rows: list[WrappedKey]) -> None:
        """Keep new wrapped keys, replacing any a client already had."""

    async def delete(self, client_ref: str) -> bool:
        """Delete a client's key; tell whether there was one."""


WrappedKey = tuple[str, bytes, str, datetime]
"""(client_ref, wrapped key, master key id, created at)."""


def _values(rows: list[WrappedKey]) -> list[dict[str, object]]:
    return [
        {"client_ref": ref, "wrapped_key": key, "master_key_id": kid, "created_at": at}
        for ref, key, kid, at in rows
    ]


class KeysBeside:
    """Keys in the cases database, in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, client_ref: str) -> bytes | None:
        """A client's wrapped key, or None."""
        found: bytes | None = (await self.session.execute(_WRAPPED, {"ref": client_ref})).scalar()
        return found

    async def add(self, rows: list[WrappedKey]) -> None:
        """Keep new wrapped keys (a client never has one here when it gets a new one)."""
        if rows:
            await self.session.execute(_ADD, _values(rows))

    async def delete(self, client_ref: str) -> bool:
        """Delete a client's key within the caller's transaction."""
        result = await self.session.execute(_DELETE, {"ref": client_ref})
        return bool(getattr(result, "rowcount", 0))


class KeysApart:
    """Keys in a database of their own, each change committed at once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.replacing = _replacing(engine.dialect.name)

    async def get(self, client_ref: str) -> bytes | None:
        """A client's wrapped key, or None."""
        async with self.engine.connect() as conn:
            found: bytes | None = (await conn.execute(_WRAPPED, {"ref": client_ref})).scalar()
        return found

    async def add(self, rows: list[WrappedKey]) -> None:
        """Commit new wrapped keys, replacing keys left by an intake that did not commit."""
        if len(rows) == 1 and self.engine.dialect.name == "postgresql":
            # one statement is atomic by itself: no BEGIN and COMMIT round trips per intake
            async with self.engine.connect() as conn:
                alone = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await alone.execute(self.replacing, _values(rows))
        elif rows:
            async with self.engine.begin() as conn:
                await conn.execute(self.replacing, _values(rows))

    async def delete(self, client_ref: str) -> bool:
        """Delete a client's key and commit, before the erasure is recorded."""
        async with self.engine.begin() as conn:
            result = await conn.execute(_DELETE, {"ref": client_ref})
        return bool(getattr(result, "rowcount", 0))


@cache  # one statement per dialect: it keeps its compiled form across requests
def _replacing(dialect: str) -> Any:
    """INSERT of keys that replaces a client's earlier key (one statement, either database)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(KEYS)
    columns = ("wrapped_key", "master_key_id", "created_at")
    replaced = {name: statement.excluded[name] for name in columns}
    return statement.on_conflict_do_update(index_elements=["client_ref"], set_=replaced)
