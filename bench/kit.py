"""The kit's figures on one database: outbox relay publish, and consume + inbox + apply.

The consumer is a FastStream pull-batch subscriber wired like ``Runtime._subscribe`` (with the
Runtime's telemetry and Prometheus middlewares), calling the kit's ``BatchProcessor``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
from faststream import AckPolicy, Context
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from prometheus_client import CollectorRegistry
from sqlalchemy import Column, String, Table, Uuid, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench import env, raw
from bench.profiling import profiled
from bench.raw import WARMUP_SUBJECT, Message, Shape
from bench.report import KitFigures, Rate
from pilar_contracts import Outgoing, wrap
from pilar_contracts.consumers import ANALYTICS_REGISTRY
from pilar_contracts.events.registry import SOURCE, VolunteerCertified
from pilar_contracts.streams import REGISTRY
from pilar_kit.consumer import BatchProcessor, Delivery, EventRouter
from pilar_kit.db import UtcDateTime, create_engine, new_metadata, session_factory
from pilar_kit.inbox import inbox_table
from pilar_kit.leader import Leadership
from pilar_kit.metrics import KitMetrics
from pilar_kit.outbox import Outbox, outbox_table
from pilar_kit.provision import consumer_config, stream_config
from pilar_kit.publisher import WindowPublisher
from pilar_kit.relay import Relay
from pilar_kit.runtime import guard_fetch
from pilar_kit.settings import ServiceSettings
from pilar_kit.telemetry import broker_middlewares, bus_logger, setup_tracing

SERVICE = "bench"
STAGE_CHUNK = 1000
CONSUME_TIMEOUT = 600.0
SPEC = ANALYTICS_REGISTRY
RUNTIME_BATCH = ServiceSettings.model_fields["batch_size"].default
RUNTIME_WINDOW = ServiceSettings.model_fields["relay_window"].default

metadata = new_metadata()
OUTBOX = outbox_table(metadata)
INBOX = inbox_table(metadata)
PROJECTION = Table(  # a read model: one row per certification
    "certified",
    metadata,
    Column("certification_id", Uuid, primary_key=True),
    Column("volunteer_id", Uuid, nullable=False),
    Column("region", String(20), nullable=False),
    Column("certificate_no", String(64), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
)


@dataclass(frozen=True)
class Options:
    """How the kit is driven: the Runtime's defaults unless told otherwise."""

    count: int
    window: int = RUNTIME_WINDOW
    batch_size: int = RUNTIME_BATCH
    fetch_timeout: float = 0.2
    middlewares: bool = True
    profile_dir: Path | None = None


def certified() -> Outgoing:
    """A real ``VolunteerCertified`` event in a fresh CloudEvents envelope."""
    certification_id = uuid4()
    event = VolunteerCertified(
        volunteer_id=uuid4(),
        psks_type="PSKS-01",
        region="33.71",
        certification_id=certification_id,
        scheme="PSM",
        certificate_no=f"OK-{certification_id.hex[:12]}",
        valid_from=date(2026, 1, 1),
    )
    return wrap(event, source=SOURCE, subject=str(certification_id), region="33.71")


def kit_messages(count: int) -> list[Message]:
    """The headers and body of ``count`` real events, as the relay publishes them."""
    return [(o.envelope.headers(), o.body) for o in (certified() for _ in range(count))]


KIT_SHAPED = Shape("kit-shaped", "bench.raw.kit", kit_messages)


async def apply_certified(
    items: Sequence[tuple[VolunteerCertified, Delivery]], session: AsyncSession
) -> None:
    """The projection's handler: one row per event, a run of events in one statement."""
    now = datetime.now(UTC)
    rows = [
        {
            "certification_id": event.certification_id,
            "volunteer_id": event.volunteer_id,
            "region": event.region,
            "certificate_no": event.certificate_no,
            "event_id": delivery.envelope.id,
            "applied_at": now,
        }
        for event, delivery in items
    ]
    await session.execute(insert(PROJECTION), rows)


async def measure(name: str, url: str, nc: Client, nats_url: str, options: Options) -> KitFigures:
    """Stage, relay and consume ``options.count`` events on one fresh database."""
    js = nc.jetstream()
    await reset_stream(js)
    engine = create_engine(url)
    try:
        await create_tables(engine)
        sessions = session_factory(engine)
        staging = await stage(sessions, options.count)
        with profiled(_profile_path(options, name, "relay")):
            relay = await relay_rate(sessions, nc, options)
        with profiled(_profile_path(options, name, "consume")):
            consume = await consume_rate(sessions, nc, nats_url, options)
        await verify(sessions, js, options.count)
    finally:
        await engine.dispose()
    return KitFigures(name, relay=relay, consume=consume, staging=staging)


def _profile_path(options: Options, database: str, phase: str) -> Path | None:
    """Where to write a phase's profile, or None when not profiling."""
    if options.profile_dir is None:
        return None
    return options.profile_dir / f"profile-{database}-{phase}"


async def reset_stream(js: JetStreamContext) -> None:
    """Recreate the registry stream empty, as provisioning declares it."""
    with contextlib.suppress(NotFoundError):
        await js.delete_stream(REGISTRY.name)
    await js.add_stream(stream_config(REGISTRY))


async def create_tables(engine: AsyncEngine) -> None:
    """Create the outbox, inbox and projection tables."""
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)


async def stage(sessions: async_sessionmaker[AsyncSession], count: int) -> Rate:
    """Stage ``count`` events in the outbox, ``STAGE_CHUNK`` per transaction (not in a ratio)."""
    outbox = Outbox(OUTBOX)
    started = time.perf_counter()
    for start in range(0, count, STAGE_CHUNK):
        events = [certified() for _ in range(min(STAGE_CHUNK, count - start))]
        async with sessions() as session, session.begin():
            await outbox.stage(session, *events)
    return Rate(count, time.perf_counter() - started)


async def relay_rate(
    sessions: async_sessionmaker[AsyncSession], nc: Client, options: Options
) -> Rate:
    """Time ``Relay.publish_pending()`` rounds until the outbox is empty."""
    publisher = WindowPublisher(nc)
    relay = Relay(
        table=OUTBOX,
        sessions=sessions,
        publisher=publisher,
        metrics=KitMetrics(CollectorRegistry(), SERVICE),
        leadership=Leadership(),
        window=options.window,
    )
    # a long-running relay has long subscribed to its PubAcks
    await publisher.publish([(WARMUP_SUBJECT, b"warm-up", {})], 5.0)
    published = 0
    cpu, started = time.process_time(), time.perf_counter()
    while batch := await relay.publish_pending():
        published += batch
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if published != options.count:
        raise RuntimeError(f"relay published {published} of {options.count} events")
    return Rate(published, elapsed, cpu)


class Progress:
    """Signals when the kit has applied (committed) the target number of events."""

    def __init__(self, registry: CollectorRegistry, target: int) -> None:
        self.registry, self.target = registry, target
        self.done = asyncio.Event()
        self._labels = {"service": SERVICE, "consumer": SPEC.durable, "outcome": "applied"}

    def check(self) -> None:
        """Read the kit's own ``applied`` counter (incremented after each commit)."""
        applied = self.registry.get_sample_value("pilar_events_consumed_total", self._labels)
        if (applied or 0) >= self.target:
            self.done.set()


async def _no_decode(*_: Any) -> None:
    """Leave bodies undecoded, as the Runtime does: the kit decodes each message itself."""
    return


def _broker(nats_url: str, registry: CollectorRegistry, options: Options) -> NatsBroker:
    """A broker built like the Runtime's (same middlewares unless ``middlewares`` is off)."""
    middlewares = []
    if options.middlewares:
        middlewares = broker_middlewares(SERVICE, setup_tracing(SERVICE), registry)
    return NatsBroker(
        nats_url,
        max_reconnect_attempts=-1,
        logger=bus_logger(),
        log_level=logging.DEBUG,
        middlewares=middlewares,
    )


def _subscribe(
    broker: NatsBroker, processor: BatchProcessor, progress: Progress, options: Options
) -> Any:
    """Attach the batch pull subscriber exactly as ``Runtime._subscribe`` does."""

    async def consume(message: NatsBatchMessage = Context("message")) -> None:  # noqa: B008
        await processor.take(message.raw_message)  # returns while the batch is applied
        if processor.applying is not None:
            processor.applying.add_done_callback(lambda _: progress.check())

    consume.__name__ = f"consume_{SPEC.durable.replace('-', '_')}"
    subscriber = broker.subscriber(
        SPEC.filter_subject,
        stream=JStream(SPEC.stream, declare=False),
        durable=SPEC.durable,
        pull_sub=PullSub(batch_size=options.batch_size, timeout=options.fetch_timeout, batch=True),
        ack_policy=AckPolicy.MANUAL,
        decoder=_no_decode,
        title=SPEC.durable,
        description=SPEC.description,
    )
    subscriber(consume)
    return subscriber


def _processor(
    sessions: async_sessionmaker[AsyncSession], metrics: KitMetrics, nc: Client
) -> BatchProcessor:
    """The kit's batch processor with the projection's handler."""
    router = EventRouter(SPEC)
    router.on_many(VolunteerCertified)(apply_certified)
    return BatchProcessor(
        router, sessions=sessions, inbox=INBOX, jetstream=nc.jetstream(), metrics=metrics
    )


async def consume_rate(
    sessions: async_sessionmaker[AsyncSession], nc: Client, nats_url: str, options: Options
) -> Rate:
    """Time from starting the subscriber until the kit has applied every event."""
    await nc.jetstream().add_consumer(SPEC.stream, consumer_config(SPEC))
    registry = CollectorRegistry()
    progress = Progress(registry, options.count)
    processor = _processor(sessions, KitMetrics(registry, SERVICE), nc)
    broker = _broker(nats_url, registry, options)
    subscriber = _subscribe(broker, processor, progress, options)
    await broker.connect()
    try:
        cpu, started = time.process_time(), time.perf_counter()
        await broker.start()
        guard_fetch(subscriber.subscription)
        await asyncio.wait_for(progress.done.wait(), timeout=CONSUME_TIMEOUT)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await subscriber.stop()
        await processor.drain()
        await broker.stop()
    return Rate(options.count, elapsed, cpu)


async def verify(
    sessions: async_sessionmaker[AsyncSession], js: JetStreamContext, count: int
) -> None:
    """Check that every event was applied once and acknowledged (untimed)."""
    async with sessions() as session, session.begin():
        applied = await session.scalar(select(func.count()).select_from(PROJECTION))
        claimed = await session.scalar(select(func.count()).select_from(INBOX))
    if applied != count or claimed != count:
        raise RuntimeError(f"applied {applied}, inbox {claimed}, expected {count}")
    deadline = time.monotonic() + 10
    while True:
        info = await js.consumer_info(SPEC.stream, SPEC.durable)
        if info.num_pending == 0 and info.num_ack_pending == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"consumer not settled: {info.num_ack_pending} awaiting ack")
        await asyncio.sleep(0.05)


async def raw_publish_rate(count: int) -> float:
    """Raw nats-py publishing ``count`` kit-shaped messages, messages per second."""
    with (
        tempfile.TemporaryDirectory(prefix="pilar-bench-raw-") as tmp,
        env.nats_server(Path(tmp)) as server,
    ):
        client = await nats.connect(server.url)
        try:
            js = client.jetstream()
            await raw.create_stream(js)
            rate = await raw.publish_rate(js, KIT_SHAPED, count, 500)
        finally:
            await client.close()
    return rate.per_second
