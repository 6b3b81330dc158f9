"""Inbox: ``(consumer, event_id)`` recorded with the handler's effect, so redelivery is harmless."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from uuid import UUID

from sqlalchemy import (
    Column,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    TextClause,
    Uuid,
    bindparam,
    text,
)
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
    # The whole batch travels as one parameter (a uuid[] or a JSON array), so the cost per event
    # is the database's, not that of binding three parameters per row in Python.
    if session.get_bind().dialect.name == "postgresql":
        return await _claim_on_postgres(session, table, consumer, set(event_ids), now)
    by_key = {i.hex: i for i in event_ids}  # SQLAlchemy's Uuid stores 32 hex digits on SQLite
    if not by_key:
        return set()
    params = {"consumer": consumer, "ids": json.dumps(list(by_key)), "now": now}
    result = await session.execute(_claim_statement(table, postgres=False), params)
    return {by_key[value] for value in result.scalars()}


async def _claim_on_postgres(
    session: AsyncSession, table: Table, consumer: str, ids: set[UUID], now: object
) -> set[UUID]:
    """Claim on PostgreSQL, reading back only the ids claimed before (usually none)."""
    if not ids:
        return set()
    params = {"consumer": consumer, "ids": list(ids), "now": now}
    seen = await session.execute(_claim_statement(table, postgres=True), params)
    return ids.difference(seen.scalars())  # asyncpg's UUIDs hash and compare as uuid.UUID


@cache
def _claim_statement(table: Table, *, postgres: bool) -> TextClause:
    """The insert that claims a batch: SQLite returns the ids it inserted, PostgreSQL the others."""
    name = table.fullname  # "inbox" or "schema.inbox": plain identifiers, no quoting needed
    source = (
        "SELECT :consumer, unnest(CAST(:ids AS uuid[])), :now"
        if postgres
        else "SELECT :consumer, value, :now FROM json_each(:ids) WHERE true"  # WHERE: upsert parse
    )
    sql = (
        f"INSERT INTO {name} (consumer, event_id, received_at) {source} "
        "ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
    )
    if postgres:  # return the ids claimed before, not the 500 new ones: usually no row at all
        sql = (
            f"WITH claimed AS ({sql}) SELECT id FROM unnest(CAST(:ids AS uuid[])) AS id "  # noqa: S608
            "WHERE id NOT IN (SELECT event_id FROM claimed)"
        )
    return text(sql).bindparams(
        bindparam("consumer", type_=table.c.consumer.type),
        bindparam("now", type_=table.c.received_at.type),
    )
