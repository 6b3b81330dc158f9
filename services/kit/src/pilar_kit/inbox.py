"""Inbox: ``(consumer, event_id)`` recorded with the handler's effect, so redelivery is harmless."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, Uuid
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_kit.db import UtcDateTime

INBOX = "inbox"


def inbox_table(metadata: MetaData) -> Table:
    """Define the inbox table in a service's metadata."""
    return Table(
        INBOX,
        metadata,
        Column("consumer", String(100), nullable=False),
        Column("event_id", Uuid, nullable=False),
        Column("received_at", UtcDateTime, nullable=False),
        PrimaryKeyConstraint("consumer", "event_id"),
    )


async def claim(
    session: AsyncSession, table: Table, consumer: str, event_ids: Iterable[UUID], now: object
) -> set[UUID]:
    """Record event ids for a consumer; return those seen for the first time."""
    rows = [{"consumer": consumer, "event_id": i, "received_at": now} for i in event_ids]
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # One cached statement for every batch size: SQLAlchemy's "insertmanyvalues" batches the
    # rows itself, where a ``.values(rows)`` statement would be compiled anew for each batch.
    stmt = insert(table).on_conflict_do_nothing().returning(table.c.event_id)
    result = await session.execute(stmt, rows)
    return set(result.scalars())
