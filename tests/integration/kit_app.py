"""A tiny test-only service built on the kit, for the reliability tests against a real nats-server.

The producer side writes a ``certifications`` row and stages ``VolunteerCertified`` events in the
same transaction (transactional outbox). The consumer side is a read model, ``certified_count``,
plus an ``applied`` log with one row per application of an event, deliberately *without* a unique
constraint: a double application shows up as two rows instead of being hidden by an error.

Handlers are steered by the event itself (the prefix of ``certificate_no``), so a consumer in a
child process behaves exactly like one in the test process:

- ``OK-...``: applied;
- ``FLAKY<n>-...``: fails with a transient error on deliveries 1..n, then applied;
- ``ALWAYS-...``: always fails with a transient error, until the handler is ``fixed``;
- ``PERMANENT-...``: raises ``PermanentError`` (dead-lettered at once).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import nats
from faststream import AckPolicy, Context
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import ConsumerInfo
from prometheus_client import CollectorRegistry
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    String,
    Table,
    Uuid,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from pilar_contracts import Outgoing, wrap
from pilar_contracts.events.registry import SOURCE, VolunteerCertified
from pilar_contracts.streams import REGISTRY, ConsumerSpec
from pilar_kit.consumer import BatchProcessor, Delivery, EventRouter, PermanentError
from pilar_kit.db import UtcDateTime, create_engine, new_metadata, session_factory
from pilar_kit.inbox import inbox_table
from pilar_kit.leader import Leadership, leadership_for
from pilar_kit.metrics import KitMetrics
from pilar_kit.outbox import Outbox, outbox_table
from pilar_kit.publisher import WindowPublisher
from pilar_kit.relay import Relay
from pilar_kit.telemetry import bus_logger

SERVICE = "kittest"
CERTIFIED_SUBJECTS = "pilar.registry.volunteer.certified.>"

metadata = new_metadata()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
CERTIFICATIONS = Table(  # producer state, written with the events it causes
    "certifications",
    metadata,
    Column("certification_id", Uuid, primary_key=True),
    Column("volunteer_id", Uuid, nullable=False),
    Column("region", String(20), nullable=False),
    Column("certificate_no", String(64), nullable=False),
)
CERTIFIED_COUNT = Table(  # the read model: certified volunteers per province, per consumer
    "certified_count",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("province", String(2), primary_key=True),
    Column("count", Integer, nullable=False),
)
APPLIED = Table(  # one row per application; no unique key so that doubles are visible
    "applied",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("consumer", String(100), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("certificate_no", String(64), nullable=False),
    Column("num_delivered", Integer, nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
)


def consumer_spec(
    durable: str, *, ack_wait: int = 3, max_deliver: int = 20, filter_subject: str = ""
) -> ConsumerSpec:
    """A durable pull consumer of the registry stream with a short ack wait (fast redelivery).

    ``max_deliver`` is generous because FastStream 0.7.8's batch pull loop sometimes drops a
    partly collected batch (nats-py 2.16 raises the builtin ``TimeoutError`` at the fetch
    deadline, which FastStream does not catch): those messages come back after ``ack_wait``
    with a higher delivery count although the kit never saw them. Tests therefore assert
    effects and lower bounds on delivery counts, never exact counts.
    """
    return ConsumerSpec(
        durable,
        REGISTRY.name,
        filter_subject or CERTIFIED_SUBJECTS,
        max_deliver=max_deliver,
        ack_wait_seconds=ack_wait,
    )


WORKER_SPEC = consumer_spec("kit-worker", ack_wait=2)


def certified(certificate_no: str = "", region: str = "33.71") -> Outgoing:
    """A real ``VolunteerCertified`` event, wrapped in a fresh CloudEvents envelope."""
    certification_id = uuid4()
    event = VolunteerCertified(
        volunteer_id=uuid4(),
        psks_type="PSKS-01",
        region=region,
        certification_id=certification_id,
        scheme="PSM",
        certificate_no=certificate_no or f"OK-{certification_id.hex[:12]}",
        valid_from=date(2026, 1, 1),
    )
    return wrap(event, source=SOURCE, subject=str(certification_id), region=region)


class TransientError(RuntimeError):
    """A failure that may pass on a later delivery (a deadlock, a timeout, ...)."""


class CertifiedHandler:
    """Applies ``VolunteerCertified`` to the read model of one consumer."""

    def __init__(self, consumer: str, *, faults: bool = True, delay: float = 0.0) -> None:
        self.consumer, self.faults, self.delay = consumer, faults, delay
        self.fixed = False  # the operator's fix for ALWAYS- events
        self.seen: dict[str, list[int]] = {}  # certificate_no -> num_delivered of each call

    async def __call__(
        self, event: VolunteerCertified, delivery: Delivery, session: AsyncSession
    ) -> None:
        """Fail as the event asks, else count it and log the application."""
        self.seen.setdefault(event.certificate_no, []).append(delivery.num_delivered)
        if self.faults:
            self._maybe_fail(event.certificate_no, delivery.num_delivered)
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow handler: a kill lands inside a transaction
        dialect = session.get_bind().dialect.name
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        province = event.region[:2]
        await session.execute(
            upsert(CERTIFIED_COUNT)
            .values(consumer=self.consumer, province=province, count=1)
            .on_conflict_do_update(
                index_elements=["consumer", "province"],
                set_={"count": CERTIFIED_COUNT.c.count + 1},
            )
        )
        await session.execute(
            insert(APPLIED).values(
                consumer=self.consumer,
                event_id=delivery.envelope.id,
                certificate_no=event.certificate_no,
                num_delivered=delivery.num_delivered,
                applied_at=datetime.now(UTC),
            )
        )

    def _maybe_fail(self, certificate_no: str, num_delivered: int) -> None:
        flaky = re.match(r"FLAKY(\d+)-", certificate_no)
        if flaky and num_delivered <= int(flaky.group(1)):
            raise TransientError(f"flaky on delivery {num_delivered}")
        if certificate_no.startswith("ALWAYS-") and not self.fixed:
            raise TransientError("always failing")
        if certificate_no.startswith("PERMANENT-"):
            raise PermanentError("certificate scheme withdrawn")


class CertifiedRuns:
    """The same read model fed through a batch handler (``EventRouter.on_many``)."""

    def __init__(self, handler: CertifiedHandler) -> None:
        self.handler = handler
        self.runs: list[int] = []  # how many events each call received

    async def __call__(
        self, items: Sequence[tuple[VolunteerCertified, Delivery]], session: AsyncSession
    ) -> None:
        """Apply a run of events in delivery order."""
        self.runs.append(len(items))
        for event, delivery in items:
            await self.handler(event, delivery, session)


def router_for(spec: ConsumerSpec, handler: CertifiedHandler | CertifiedRuns) -> EventRouter:
    """The kit router of one consumer with its ``VolunteerCertified`` handler."""
    router = EventRouter(spec)
    if isinstance(handler, CertifiedRuns):
        router.on_many(VolunteerCertified)(handler)
    else:
        router.on(VolunteerCertified)(handler)
    return router


async def publish(js: JetStreamContext, events: Sequence[Outgoing]) -> None:
    """Publish events straight into their stream, as a relay would."""
    for event in events:
        await js.publish(event.nats_subject, event.body, headers=event.envelope.headers())


async def connect(url: str) -> Client:
    """A NATS connection that never gives up reconnecting, and retries quickly."""
    return await nats.connect(
        url, max_reconnect_attempts=-1, reconnect_time_wait=0.1, connect_timeout=2
    )


@dataclass
class KitApp:
    """The test service: its database, outbox and metrics."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox
    registry: CollectorRegistry
    metrics: KitMetrics
    _leaderships: list[Leadership] = field(default_factory=list)

    @classmethod
    async def open(cls, database_url: str, *, create: bool = True) -> KitApp:
        """Open the database; create the tables (no migrations for a test service)."""
        engine = create_engine(database_url)
        if create:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
        registry = CollectorRegistry()
        return cls(
            engine=engine,
            sessions=session_factory(engine),
            outbox=Outbox(OUTBOX),
            registry=registry,
            metrics=KitMetrics(registry, SERVICE),
        )

    async def close(self) -> None:
        """Release leadership locks and dispose of the engine."""
        for leadership in self._leaderships:
            await leadership.release()
        await self.engine.dispose()

    # producer side

    async def stage(self, *events: Outgoing) -> list[UUID]:
        """Write each event's certification row and stage the events, in one transaction."""
        async with self.sessions() as session, session.begin():
            await self.stage_in(session, *events)
        return [e.envelope.id for e in events]

    async def stage_in(self, session: AsyncSession, *events: Outgoing) -> None:
        """Write the state rows and stage the events in the caller's open transaction."""
        rows = []
        for outgoing in events:
            event = VolunteerCertified.model_validate_json(outgoing.body)
            rows.append(
                {
                    "certification_id": event.certification_id,
                    "volunteer_id": event.volunteer_id,
                    "region": event.region,
                    "certificate_no": event.certificate_no,
                }
            )
        await session.execute(insert(CERTIFICATIONS), rows)
        await self.outbox.stage(session, *events)

    def relay(
        self,
        js: JetStreamContext | WindowPublisher,
        *,
        window: int = 100,
        ack_timeout: float = 2.0,
        poll_seconds: float = 0.05,
    ) -> Relay:
        """A relay of this outbox, woken after each commit that staged events."""
        leadership = leadership_for(self.engine, f"pilar-{SERVICE}-relay")
        self._leaderships.append(leadership)
        relay = Relay(
            table=OUTBOX,
            sessions=self.sessions,
            publisher=js if isinstance(js, WindowPublisher) else WindowPublisher(js._nc),
            metrics=self.metrics,
            leadership=leadership,
            window=window,
            poll_seconds=poll_seconds,
            ack_timeout=ack_timeout,
        )
        self.outbox.on_committed(relay.wake)
        return relay

    # consumer side

    def processor(
        self,
        spec: ConsumerSpec,
        handler: CertifiedHandler | CertifiedRuns,
        *,
        max_attempts: int = 5,
        backoff: tuple[float, ...] = (0.05, 0.1, 0.2),
        served: frozenset[str] = frozenset(),
    ) -> BatchProcessor:
        """The kit's batch processor of one consumer (its JetStream is set by the host)."""
        return BatchProcessor(
            router_for(spec, handler),
            sessions=self.sessions,
            inbox=INBOX,
            jetstream=None,
            metrics=self.metrics,
            max_attempts=max_attempts,
            backoff=backoff,
            served=served,
        )

    # queries

    async def scalar(self, query: Any) -> Any:
        """Run one scalar query in a short transaction."""
        async with self.sessions() as session, session.begin():
            return await session.scalar(query)

    async def applied_ids(self, consumer: str) -> list[UUID]:
        """Every application of every event by a consumer, in application order."""
        async with self.sessions() as session, session.begin():
            query = select(APPLIED.c.event_id).where(APPLIED.c.consumer == consumer)
            return list((await session.scalars(query.order_by(APPLIED.c.id))).all())

    async def applied_count(self, consumer: str) -> int:
        """How many applications a consumer made."""
        query = select(func.count()).select_from(APPLIED).where(APPLIED.c.consumer == consumer)
        return int(await self.scalar(query))

    async def applied_at_least(self, consumer: str, count: int) -> bool:
        """Whether a consumer made at least ``count`` applications."""
        return await self.applied_count(consumer) >= count

    async def certified_total(self, consumer: str) -> int:
        """The read model's total for a consumer."""
        query = select(func.coalesce(func.sum(CERTIFIED_COUNT.c.count), 0)).where(
            CERTIFIED_COUNT.c.consumer == consumer
        )
        return int(await self.scalar(query))

    async def staged_ids(self) -> list[UUID]:
        """Every event id in the outbox, in staging order."""
        async with self.sessions() as session, session.begin():
            query = select(OUTBOX.c.event_id).order_by(OUTBOX.c.id)
            return list((await session.scalars(query)).all())

    async def unpublished(self) -> int:
        """Outbox rows not yet acknowledged by JetStream."""
        query = select(func.count()).select_from(OUTBOX).where(OUTBOX.c.published_at.is_(None))
        return int(await self.scalar(query))

    async def outbox_rows(self) -> list[Any]:
        """Every outbox row: id, event id, created and published times, attempts."""
        async with self.sessions() as session, session.begin():
            query = select(
                OUTBOX.c.id,
                OUTBOX.c.event_id,
                OUTBOX.c.created_at,
                OUTBOX.c.published_at,
                OUTBOX.c.attempts,
            ).order_by(OUTBOX.c.id)
            return list((await session.execute(query)).all())

    def consumed(self, consumer: str, outcome: str) -> float:
        """The kit's ``pilar_events_consumed_total`` for one consumer and outcome."""
        labels = {"service": SERVICE, "consumer": consumer, "outcome": outcome}
        return self.registry.get_sample_value("pilar_events_consumed_total", labels) or 0.0

    def dead_lettered(self, consumer: str, reason: str) -> float:
        """The kit's ``pilar_dead_letters_total`` for one consumer and reason kind."""
        labels = {"service": SERVICE, "consumer": consumer, "reason": reason}
        return self.registry.get_sample_value("pilar_dead_letters_total", labels) or 0.0


async def _no_decode(*_: Any) -> None:
    """Leave bodies undecoded, as the Runtime does: the kit decodes (and judges) each message."""
    return


class ConsumerHost:
    """FastStream pull-batch subscribers wired exactly like ``Runtime._subscribe``.

    Deliberately not patched for the FastStream/nats-py fetch timeout issue described in
    ``consumer_spec``: these tests exercise the wiring the services run.
    """

    def __init__(
        self,
        nats_url: str,
        processors: Sequence[BatchProcessor],
        *,
        batch_size: int = 50,
        fetch_timeout: float = 0.1,
    ) -> None:
        self.nats_url, self.processors = nats_url, list(processors)
        self.broker = NatsBroker(
            nats_url,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.1,  # type: ignore[arg-type]  # nats-py takes float seconds
            logger=bus_logger(),
            log_level=logging.DEBUG,
        )
        self.nc: Client | None = None
        self.subscribers: list[Any] = []
        for processor in self.processors:
            self._subscribe(processor, batch_size, fetch_timeout)

    def _subscribe(self, processor: BatchProcessor, batch_size: int, fetch_timeout: float) -> None:
        spec = processor.router.spec

        async def consume(message: NatsBatchMessage = Context("message")) -> None:  # noqa: B008
            await processor.take(message.raw_message)

        consume.__name__ = f"consume_{spec.durable.replace('-', '_')}"
        self.subscribers.append(
            self.broker.subscriber(
                spec.filter_subject,
                stream=JStream(spec.stream, declare=False),
                durable=spec.durable,
                pull_sub=PullSub(batch_size=batch_size, timeout=fetch_timeout, batch=True),
                ack_policy=AckPolicy.MANUAL,
                decoder=_no_decode,
            )
        )
        self.subscribers[-1](consume)

    async def start(self) -> None:
        """Connect the dead-letter publisher, then start fetching."""
        self.nc = await connect(self.nats_url)
        for processor in self.processors:
            processor.js = self.nc.jetstream()
        await self.broker.start()

    async def stop(self) -> None:
        """Stop fetching, let the batches taken finish, and close the connections."""
        for subscriber in self.subscribers:
            await subscriber.stop()
        for processor in self.processors:
            await processor.settle(10)
        await self.broker.stop()
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.close()


@asynccontextmanager
async def consuming(
    nats_url: str, *processors: BatchProcessor, batch_size: int = 50
) -> AsyncIterator[ConsumerHost]:
    """Run consumers for the duration of a ``with`` block."""
    host = ConsumerHost(nats_url, processors, batch_size=batch_size)
    await host.start()
    try:
        yield host
    finally:
        await host.stop()


async def wait_until(
    condition: Callable[[], Awaitable[bool]], what: str, within: float = 30.0
) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            if await condition():
                return
        except Exception as exc:  # noqa: BLE001  e.g. NATS restarting: keep polling
            last: object = exc
        else:
            last = "condition false"
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what} ({last})")
        await asyncio.sleep(0.05)


async def consumer_settled(js: JetStreamContext, spec: ConsumerSpec) -> bool:
    """True when a consumer has nothing pending and nothing awaiting an ack."""
    info: ConsumerInfo = await js.consumer_info(spec.stream, spec.durable)
    return info.num_pending == 0 and info.num_ack_pending == 0


async def consumer_caught_up(js: JetStreamContext, spec: ConsumerSpec, stream_seq: int) -> bool:
    """True when a consumer acknowledged (or terminated) everything up to ``stream_seq``."""
    info: ConsumerInfo = await js.consumer_info(spec.stream, spec.durable)
    floor = info.ack_floor.stream_seq if info.ack_floor else 0
    return floor >= stream_seq and info.num_ack_pending == 0
