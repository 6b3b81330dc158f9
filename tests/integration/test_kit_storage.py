"""The kit's batch statements read and write the same rows as plain SQLAlchemy, on both databases.

The inbox claim passes a whole batch as one parameter; rows written the ordinary way (by earlier
versions) must still count as seen. Outbox headers go through the engine's JSON codec and back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from pilar_contracts import Envelope
from pilar_kit.db import new_metadata, session_factory
from pilar_kit.inbox import claim, inbox_table
from pilar_kit.outbox import Outbox, outbox_table
from pilar_kit.relay import pending_rows
from tests.conftest import engine_with_tables
from tests.integration.kit_app import certified

pytestmark = pytest.mark.integration

metadata = new_metadata()
INBOX = inbox_table(metadata)
OUTBOX = outbox_table(metadata)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A fresh database with the inbox and outbox tables."""
    async with engine_with_tables(database_url, metadata) as engine:
        yield engine


async def test_claim_recognises_rows_written_the_plain_way(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    seen, fresh = uuid4(), [uuid4() for _ in range(3)]
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        row = {"consumer": "c", "event_id": seen, "received_at": now - timedelta(hours=1)}
        await session.execute(insert(INBOX), [row])
        first = await claim(session, INBOX, "c", [seen, *fresh, fresh[0]], now)  # one twice
        other_consumer = await claim(session, INBOX, "d", [seen], now)
    assert first == set(fresh)
    assert other_consumer == {seen}
    async with sessions() as session, session.begin():
        again = await claim(session, INBOX, "c", [seen, *fresh], now)
        rows = (await session.execute(select(INBOX).where(INBOX.c.consumer == "c"))).all()
    assert again == set()
    assert {r.event_id for r in rows} == {seen, *fresh}
    assert {r.received_at for r in rows if r.event_id in fresh} == {now}


async def test_outbox_rows_round_trip_their_envelope_and_body(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    events = [certified() for _ in range(5)]
    async with sessions() as session, session.begin():
        await Outbox(OUTBOX).stage(session, *events)
    async with sessions() as session, session.begin():
        rows = (await session.execute(select(OUTBOX).order_by(OUTBOX.c.id))).all()
    assert [Envelope.from_headers(r.headers) for r in rows] == [e.envelope for e in events]
    assert [r.payload for r in rows] == [e.body for e in events]


@pytest.mark.parametrize("analyzed", [False, True], ids=["fresh", "analyzed"])
async def test_the_relay_reads_only_pending_rows_not_every_published_one(
    engine: AsyncEngine, analyzed: bool
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await Outbox(OUTBOX).stage(session, *[certified() for _ in range(2000)])
        ids = list((await session.execute(select(OUTBOX.c.id).order_by(OUTBOX.c.id))).scalars())
        pending = [ids[5], ids[700], ids[-1]]
        # each row published at a moment of its own, as a relay does window after window: one
        # moment for them all would tell ANALYZE that a value (NULL too) covers half the table,
        # and for so small a table SQLite may then rightly prefer to walk it in id order
        published = update(OUTBOX).where(OUTBOX.c.id.not_in(pending))
        await session.execute(published.values(published_at=OUTBOX.c.created_at))
    async with engine.connect() as conn:
        if analyzed:
            await conn.exec_driver_sql("ANALYZE")
        query = pending_rows(OUTBOX, 500, conn.dialect.name)
        sql = str(query.compile(conn.engine, compile_kwargs={"literal_binds": True}))
        explain = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        plan = " ".join(str(row) for row in await conn.exec_driver_sql(explain + sql))
        found = [row.id for row in await conn.execute(query)]
    # an index on the publication state, never a walk of the whole table in id order
    assert "ix_outbox_pending" in plan or "ix_outbox_published_at" in plan, plan
    assert "'SCAN outbox'" not in plan  # a walk of the partial index alone is fine
    assert "Seq Scan" not in plan
    assert "outbox_pkey" not in plan
    assert found == pending
