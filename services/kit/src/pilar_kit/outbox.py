"""Transactional outbox: events are written in the same transaction as the state they describe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from opentelemetry import propagate
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    event,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from pilar_contracts import Outgoing
from pilar_kit.db import UtcDateTime

OUTBOX = "outbox"
PENDING = text("published_at IS NULL")


def outbox_table(metadata: MetaData) -> Table:
    """Define the outbox table in a service's metadata."""
    return Table(
        OUTBOX,
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("subject", String(255), nullable=False),
        Column("headers", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True, index=True),
        Column("attempts", Integer, nullable=False, default=0),
        # the relay reads the oldest unpublished rows: without this index each window would
        # step over every published row still kept (days of them) to find them
        Index("ix_outbox_pending", "id", sqlite_where=PENDING, postgresql_where=PENDING),
    )


def outbox_row(event: Outgoing) -> dict[str, Any]:
    """Return the outbox row of an event, carrying the current trace context."""
    return _row(event, _trace_headers(), datetime.now(UTC))


def _trace_headers() -> dict[str, str]:
    """The current trace context as headers (the request's span parents every consumer span)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def _row(event: Outgoing, trace: dict[str, str], now: datetime) -> dict[str, Any]:
    headers = event.envelope.headers()
    headers.update(trace)
    return {
        "event_id": event.envelope.id,
        "subject": event.nats_subject,
        "headers": headers,
        "payload": event.body,
        "created_at": now,
        "published_at": None,
        "attempts": 0,
    }


class Outbox:
    """Stages events in the caller's transaction and wakes the relay after commit."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._wake: Callable[[], None] = lambda: None

    def on_committed(self, wake: Callable[[], None]) -> None:
        """Call ``wake()`` after each transaction that staged events commits."""
        self._wake = wake

    async def stage(self, session: AsyncSession, *events: Outgoing) -> None:
        """Add events to the outbox inside the session's open transaction."""
        if not events:
            return
        # one trace context and one clock reading serve every event of the call
        trace, now = _trace_headers(), datetime.now(UTC)
        await session.execute(self.table.insert(), [_row(e, trace, now) for e in events])
        session.sync_session.info[_STAGED] = self._wake


_STAGED = "pilar_outbox_wake"


@event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    """Wake the relay of the outbox that staged events in this transaction."""
    wake = session.info.pop(_STAGED, None)
    if wake is not None:
        wake()


@event.listens_for(Session, "after_rollback")
def _forget_staged(session: Session) -> None:
    """Nothing to wake after a rollback."""
    session.info.pop(_STAGED, None)
