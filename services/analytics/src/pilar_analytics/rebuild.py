"""Rebuild: empty the read models, then replay every stream analytics reads from its start.

An ephemeral consumer per stream (no acks) reads from sequence 1 to the end; events are applied
by the same projections as the live consumers, ``rebuild_chunk`` to a transaction, and claimed
in the inbox under the durable's name, so the live consumer later skips what replay applied.
While one chunk is written the next is fetched and decoded. Stop the service first: its watch
could announce thresholds from half-built figures.

A replay is a bulk load: the read models' secondary indexes are dropped for it and built again
at the end (one sort each instead of a random insert per row and index), SQLite gets a page cache
of up to 256 MiB, and the cyclic garbage collector stops rescanning the process's long-lived
objects on every full pass (a third of the replay's CPU otherwise).
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import nats
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import CollectorRegistry
from sqlalchemy import Connection, Index, delete, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pilar_analytics.handlers import ROUTERS
from pilar_analytics.projections import project
from pilar_analytics.store import READ_MODELS
from pilar_analytics.store.tables import inbox
from pilar_kit.consumer import BatchProcessor, EventRouter, PoisonError, Ready
from pilar_kit.db import create_engine, is_sqlite, session_factory
from pilar_kit.inbox import claim
from pilar_kit.metrics import KitMetrics
from pilar_kit.migrations import upgrade
from pilar_kit.settings import ServiceSettings

FETCH = 1000
IDLE_SECONDS = 2.0
SQLITE_CACHE_KIB = 256 * 1024  # an upper bound: SQLite takes pages only as it reads them
GC_YOUNG_THRESHOLD = 50_000  # allocations between young collections (the default is 700)


@dataclass
class Replayed:
    """What the replay of one stream found."""

    consumer: str
    read: int = 0
    applied: int = 0
    invalid: int = 0


class Progress:
    """A progress line on stderr, redrawn at most a few times a second."""

    def __init__(self, label: str, total: int, out: TextIO) -> None:
        self.label, self.total, self.out = label, total, out
        self.started = self.drawn = time.monotonic()

    def show(self, done: int, *, final: bool = False) -> None:
        """Redraw the line (always when ``final``)."""
        now = time.monotonic()
        if not final and now - self.drawn < 0.25:
            return
        self.drawn = now
        rate = done / max(now - self.started, 1e-9)
        share = f"{100 * done / self.total:5.1f}%" if self.total else "  -  "
        line = f"\r{self.label}: {done:,}/{self.total:,} events {share} {rate:,.0f}/s"
        self.out.write(line + ("\n" if final else ""))
        self.out.flush()


async def rebuild(
    settings: ServiceSettings, migrations: Path, *, out: TextIO = sys.stderr
) -> list[Replayed]:
    """Empty the read models and replay the registry, cases and notifications streams."""
    engine = _engine(settings.database("analytics"))
    try:
        await upgrade(engine, migrations)
        sessions = session_factory(engine)
        nc = await nats.connect(
            settings.nats_url, name="pilar-analytics-rebuild", **settings.nats_options()
        )
        try:
            chunk = getattr(settings, "rebuild_chunk", 2000)
            js = nc.jetstream()
            async with without_indexes(engine):
                await empty(sessions, ROUTERS)
                with _bulk_allocation():
                    return [
                        await replay(router, js, Applier(sessions, router.spec.durable), chunk, out)
                        for router in ROUTERS
                    ]
        finally:
            await nc.close()
    finally:
        await engine.dispose()


def _engine(url: str) -> AsyncEngine:
    """The database; on SQLite with a page cache that holds the tables being loaded."""
    engine = create_engine(url)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _large_cache)
    return engine


def _large_cache(dbapi_conn: Any, _record: object) -> None:
    """Let SQLite keep the read models' pages in memory while it fills them."""
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def secondary_indexes() -> list[Index]:
    """The read models' indexes other than their primary keys."""
    return [index for table in READ_MODELS for index in sorted(table.indexes, key=_name)]


def _name(index: Index) -> str:
    """An index's name, to drop and create them in a stable order."""
    return str(index.name)


@asynccontextmanager
async def without_indexes(engine: AsyncEngine) -> AsyncIterator[None]:
    """Drop the secondary indexes for the block and build them again after it, even on failure."""
    indexes = secondary_indexes()
    async with engine.begin() as conn:
        await conn.run_sync(_each, indexes, "drop")
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(_each, indexes, "create")
            if conn.dialect.name == "postgresql":  # the planner's statistics now, not autovacuum's
                for table in READ_MODELS:
                    await conn.exec_driver_sql(f"ANALYZE {table.name}")


def _each(conn: Connection, indexes: list[Index], action: str) -> None:
    """Drop or create each index that is there or missing."""
    for index in indexes:
        if action == "drop":
            index.drop(conn, checkfirst=True)
        else:
            index.create(conn, checkfirst=True)


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Collect garbage rarely, and never rescan what existed before (it stays frozen after)."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


async def empty(sessions: async_sessionmaker[AsyncSession], routers: Sequence[EventRouter]) -> None:
    """Delete every read-model row and the inbox of the analytics consumers, in one transaction."""
    consumers = [router.spec.durable for router in routers]
    async with sessions() as session, session.begin():
        for table in READ_MODELS:
            await session.execute(delete(table))
        await session.execute(delete(inbox).where(inbox.c.consumer.in_(consumers)))


class Applier:
    """Applies chunks of one consumer's events in order, each while the next is being read."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], consumer: str) -> None:
        self.sessions, self.consumer = sessions, consumer
        self.pending: asyncio.Task[int] | None = None
        self.applied = 0

    async def start(self, items: list[Ready]) -> None:
        """Wait for the chunk before (chunks apply in order), then start this one."""
        await self.finish()
        self.pending = asyncio.create_task(_apply(self.sessions, self.consumer, items))

    async def finish(self) -> int:
        """Wait for the chunk being applied; return how many events were applied so far."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            self.applied += await pending
        return self.applied


async def replay(
    router: EventRouter,
    js: JetStreamContext,
    applier: Applier,
    chunk: int,
    out: TextIO,
) -> Replayed:
    """Read one stream from its first message to its end and apply it in chunks."""
    spec = router.spec
    decoder = BatchProcessor(
        router,
        sessions=applier.sessions,
        inbox=inbox,
        jetstream=js,
        metrics=KitMetrics(CollectorRegistry(), "analytics"),
    )
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.NONE,
        inactive_threshold=60.0,
        mem_storage=True,
    )
    sub = await js.pull_subscribe(spec.filter_subject, stream=spec.stream, config=config)
    found = Replayed(spec.durable)
    progress = Progress(spec.durable, (await sub.consumer_info()).num_pending or 0, out)
    ready: list[Ready] = []
    try:
        while progress.total:  # an empty stream: no fetch waiting out its timeout
            msgs = await _fetch(sub)
            for msg in msgs:
                found.read += 1
                try:
                    item = decoder.decode(msg)
                except PoisonError:
                    found.invalid += 1  # the live consumer dead-lettered it already
                    continue
                if item is not None:
                    ready.append(item)
            while len(ready) >= chunk:
                await applier.start(ready[:chunk])
                ready = ready[chunk:]
            progress.show(found.read)
            if not msgs or msgs[-1].metadata.num_pending == 0:
                break
        if ready:
            await applier.start(ready)
        found.applied = await applier.finish()
    finally:
        if applier.pending is not None:
            applier.pending.cancel()
        progress.show(found.read, final=True)
        await sub.unsubscribe()
    return found


async def _fetch(sub: JetStreamContext.PullSubscription) -> list[Msg]:
    try:
        return await sub.fetch(FETCH, timeout=IDLE_SECONDS)
    except (nats.errors.TimeoutError, TimeoutError):
        return []


async def _apply(
    sessions: async_sessionmaker[AsyncSession], consumer: str, items: list[Ready]
) -> int:
    """Apply decoded events once each, claiming them in the inbox like the live consumer."""
    async with sessions() as session, session.begin():
        fresh = await claim(
            session, inbox, consumer, {i.delivery.envelope.id for i in items}, datetime.now(UTC)
        )
        todo = []
        for item in items:
            if item.delivery.envelope.id in fresh:
                fresh.discard(item.delivery.envelope.id)
                todo.append((item.event, item.delivery))
        await project(todo, session)
    return len(todo)
