"""Outbox relay: publishes staged events to JetStream in order, in windows of async publishes.

Rows are marked sent only after the PubAck. ``Nats-Msg-Id`` equals the event id, so a row
published twice (crash between PubAck and the update) is dropped by JetStream's duplicate window.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Select,
    Table,
    TextualSelect,
    any_,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pilar_kit.leader import Leadership
from pilar_kit.metrics import KitMetrics
from pilar_kit.publisher import WindowPublisher

log = logging.getLogger("pilar.relay")
BACKLOG_COUNT_SECONDS = 1.0


class Relay:
    """Publishes one service's outbox; one active relay per service database."""

    def __init__(
        self,
        *,
        table: Table,
        sessions: async_sessionmaker[AsyncSession],
        publisher: WindowPublisher,
        metrics: KitMetrics,
        leadership: Leadership,
        window: int = 500,
        poll_seconds: float = 1.0,
        ack_timeout: float = 5.0,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.table, self.sessions = table, sessions
        self.publisher = publisher
        self.metrics, self.leadership = metrics, leadership
        self.window, self.poll_seconds, self.ack_timeout = window, poll_seconds, ack_timeout
        self.retention = retention
        self._wake = asyncio.Event()
        self._backoff = 0.0
        self._backlog_counted = -BACKLOG_COUNT_SECONDS
        self.healthy = True

    def wake(self) -> None:
        """Ask the relay to run now (called after a commit that staged events)."""
        self._wake.set()

    async def run(self) -> None:
        """Relay forever: publish whenever woken or every ``poll_seconds``."""
        last_prune = datetime.min.replace(tzinfo=UTC)
        while True:
            if not await self.leadership.acquire():
                await asyncio.sleep(self.poll_seconds)
                continue
            self._wake.clear()  # a commit from here on, even during this round, wakes the next
            published = await self._round()
            if datetime.now(UTC) - last_prune > timedelta(hours=1):
                last_prune = datetime.now(UTC)
                await self.prune()
            if published >= self.window:
                continue  # more waiting: keep going without sleeping
            await self._sleep()

    async def _sleep(self) -> None:
        if self._backoff:  # NATS or the database is down: keep the retry pace, ignore wake-ups
            await asyncio.sleep(self._backoff)
            return
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # races a wake-up, and the relay would outlive the stop that cancelled it
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.poll_seconds):
                await self._wake.wait()

    async def _round(self) -> int:
        try:
            published = await self.publish_pending()
        except Exception as exc:  # noqa: BLE001  NATS or the database down: back off and retry
            self.healthy = False
            self.metrics.outbox_failures.inc()
            self._backoff = min(max(self._backoff * 2, 0.5), 30.0)
            log.warning(
                "outbox relay round failed (%s); retrying in %.1fs",
                type(exc).__name__,
                self._backoff,
            )
            return 0
        self.healthy, self._backoff = True, 0.0
        return published

    async def publish_pending(self) -> int:
        """Publish one window of pending rows; return how many were acknowledged."""
        rows = await self._pending()
        if not rows:
            self.metrics.outbox_backlog.set(0)
            return 0
        acked = await self._publish(rows)
        if acked:
            await self._mark_published(acked)
        if len(acked) < len(rows):
            await self._count_attempt(rows[len(acked)].id)
            raise RelayIncompleteError(
                f"{len(rows) - len(acked)} of {len(rows)} events not acknowledged"
            )
        return len(acked)

    async def _pending(self) -> list[Any]:
        t = self.table
        async with self.sessions() as session, session.begin():
            dialect = session.get_bind().dialect.name
            query = pending_rows(t, self.window, dialect)
            rows = list((await session.execute(query)).all())
            if len(rows) < self.window:
                self.metrics.outbox_backlog.set(len(rows))
            elif time.monotonic() - self._backlog_counted >= BACKLOG_COUNT_SECONDS:
                # counting a deep backlog scans it: at most once a second while catching up
                backlog = await session.scalar(
                    select(func.count()).where(t.c.published_at.is_(None))
                )
                self.metrics.outbox_backlog.set(backlog or 0)
                self._backlog_counted = time.monotonic()
            return rows

    async def _publish(self, rows: list[Any]) -> list[int]:
        # sent in id order on one connection: JetStream stores them in order
        messages = [(row.subject, row.payload, row.headers) for row in rows]
        stored = await self.publisher.publish(messages, self.ack_timeout)
        now = datetime.now(UTC)
        acked = []
        for row, ok in zip(rows, stored, strict=True):
            if not ok:
                # Only the leading run counts as sent: the rest is published again, in order,
                # next round (JetStream drops the copies it already stored, by Nats-Msg-Id).
                break
            acked.append(row.id)
            self.metrics.outbox_lag.observe((now - row.created_at).total_seconds())
        return acked

    async def _mark_published(self, ids: list[int]) -> None:
        t = self.table
        async with self.sessions() as session, session.begin():
            postgres = session.get_bind().dialect.name == "postgresql"
            # the window's ids as one array parameter, not one bound parameter per row
            batch = (
                t.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))
                if postgres
                else t.c.id.in_(select(func.json_each(bindparam("ids")).table_valued("value")))
            )
            await session.execute(
                update(t).where(batch).values(published_at=datetime.now(UTC)),
                {"ids": ids if postgres else json.dumps(ids)},
            )
        self.metrics.outbox_published.inc(len(ids))

    async def _count_attempt(self, row_id: int) -> None:
        """Count a failed attempt on the row that holds the queue up, so ops can find it."""
        t = self.table
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(t).where(t.c.id == row_id).values(attempts=t.c.attempts + 1)
            )

    async def prune(self) -> int:
        """Delete published rows older than the retention; return how many."""
        cutoff = datetime.now(UTC) - self.retention
        t = self.table
        async with self.sessions() as session, session.begin():
            result = await session.execute(delete(t).where(t.c.published_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)


# Named, because SQLite's planner, once ANALYZE has run, sometimes walks the whole table in id
# order instead (it depends on the order in which the indexes were created).
_PENDING_ON_SQLITE = text(
    "SELECT id, subject, headers, payload, created_at FROM outbox INDEXED BY ix_outbox_pending "
    "WHERE published_at IS NULL ORDER BY id LIMIT :window"
)


def pending_rows(
    table: Table, window: int, dialect: str = "postgresql"
) -> Select[Any] | TextualSelect:
    """The oldest ``window`` unpublished rows, read through the outbox's partial index."""
    t = table
    columns = (t.c.id, t.c.subject, t.c.headers, t.c.payload, t.c.created_at)
    if dialect == "sqlite":
        return _PENDING_ON_SQLITE.bindparams(window=window).columns(*columns)
    query = select(*columns)
    return query.where(t.c.published_at.is_(None)).order_by(t.c.id).limit(window)


class RelayIncompleteError(RuntimeError):
    """Some events of a window were not acknowledged; they are retried next round."""
