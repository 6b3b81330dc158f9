"""The one place that wires a service process: database, broker, relay, consumers, telemetry."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import nats
import nats.errors
from faststream import AckPolicy, Context
from faststream.nats import JStream, NatsBroker, PullSub
from faststream.nats.message import NatsBatchMessage
from faststream.security import BaseSecurity, SASLPlaintext
from nats.aio.client import Client
from prometheus_client import CollectorRegistry
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pilar_kit.consumer import BatchProcessor, EventRouter
from pilar_kit.db import create_engine, session_factory
from pilar_kit.inbox import INBOX
from pilar_kit.leader import leadership_for
from pilar_kit.metrics import KitMetrics
from pilar_kit.migrations import upgrade
from pilar_kit.natsfast import install as install_nats_fast_paths
from pilar_kit.outbox import OUTBOX, Outbox
from pilar_kit.provision import provision
from pilar_kit.publisher import WindowPublisher
from pilar_kit.relay import Relay
from pilar_kit.settings import ServiceSettings
from pilar_kit.telemetry import broker_middlewares, bus_logger, setup_logging, setup_tracing

log = logging.getLogger("pilar.runtime")
DRAIN_SECONDS = 10.0  # at stop, how long a batch being applied may take to finish
PERMISSIONS_VIOLATION = "permissions violation"  # how nats-server words a refused subject
Job = Callable[["Runtime"], Awaitable[None]]


def guard_fetch(subscription: Any) -> None:
    """Make nats-py's bare ``asyncio.TimeoutError`` look like the ``nats`` timeout it means.

    nats-py 2.16 raises a bare TimeoutError from ``_fetch_n`` when the deadline passes between
    its two pull requests. FastStream 0.7.8's batch loop only catches ``nats.errors.TimeoutError``,
    so the loop task dies and drops the messages it had already fetched in that round; they are
    redelivered only after ``ack_wait``. Translating the error lets the loop process them now.
    """
    fetch = subscription.fetch
    if getattr(fetch, "pilar_guarded", False):
        return

    async def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fetch(*args, **kwargs)
        except nats.errors.TimeoutError:
            raise
        except TimeoutError:
            raise nats.errors.TimeoutError from None

    guarded.pilar_guarded = True  # type: ignore[attr-defined]
    subscription.fetch = guarded


def _security(options: dict[str, Any]) -> BaseSecurity | None:
    """The broker's share of the bus's connect options: user and password, and TLS when set."""
    tls = options.get("tls")
    if "user" in options:
        return SASLPlaintext(
            username=options["user"], password=options["password"], ssl_context=tls
        )
    return BaseSecurity(ssl_context=tls) if tls else None


async def _no_decode(*_: Any) -> None:
    """Leave bodies undecoded: the kit decodes each message itself, poison included."""
    return


class Runtime:
    """Everything one service process owns, started and stopped together."""

    def __init__(
        self,
        *,
        service: str,
        settings: ServiceSettings,
        metadata: MetaData,
        migrations: Path,
        routers: Sequence[EventRouter] = (),
        jobs: Sequence[Job] = (),
        side_engines: Sequence[AsyncEngine] = (),
    ) -> None:
        self.service, self.settings, self.migrations = service, settings, migrations
        self.bus_options = settings.nats_options()  # read once: the TLS context loads files
        self.side_engines = list(side_engines)  # further databases of this service's schema
        self.bus_refusals = 0  # subjects the bus refused this service (see _bus_error)
        setup_logging(service, settings.log_level)
        install_nats_fast_paths()  # same protocol, less Python per message (natsfast)
        self.tracer_provider = setup_tracing(service, settings.otlp_endpoint, settings.trace_file)
        self.registry = CollectorRegistry()
        self.metrics = KitMetrics(self.registry, service)
        self.engine = create_engine(settings.database(service), pool_size=settings.db_pool_size)
        if settings.trace_sql:
            from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

            SQLAlchemyInstrumentor().instrument(
                engine=self.engine.sync_engine, tracer_provider=self.tracer_provider
            )
        self.sessions = session_factory(self.engine)
        self.outbox = Outbox(metadata.tables[OUTBOX])
        self.inbox = metadata.tables[INBOX]
        self.broker = NatsBroker(
            settings.nats_url,
            max_reconnect_attempts=-1,
            inbox_prefix=f"_INBOX.{service}",  # the bus lets a service read only its own inboxes
            security=_security(self.bus_options),
            error_cb=self._bus_error,
            logger=bus_logger(),
            log_level=logging.DEBUG,  # per-batch "Received/Processed" lines only when debugging
            middlewares=broker_middlewares(service, self.tracer_provider, self.registry),
        )
        self._subscribers: list[Any] = []
        self.processors = [self._subscribe(router) for router in routers]
        # SQLite has one writer: transactions that begin together sleep in its busy handler (up
        # to 100 ms a try, unfairly, past the busy timeout under load); the process's consumers
        # and requests taking turns first keeps the file busy and serves them in order instead
        self.turn = asyncio.Lock() if self.engine.dialect.name == "sqlite" else None
        for processor in self.processors:
            processor.turn = self.turn
        self.jobs = list(jobs)
        self.nc: Client | None = None
        self.relay: Relay | None = None
        self.started = False
        self._tasks: list[asyncio.Task[None]] = []

    def _subscribe(self, router: EventRouter) -> BatchProcessor:
        processor = BatchProcessor(
            router,
            sessions=self.sessions,
            inbox=self.inbox,
            jetstream=None,
            metrics=self.metrics,
            served=self.settings.served_provinces(),
        )
        spec = router.spec

        async def consume(message: NatsBatchMessage = Context("message")) -> None:  # noqa: B008
            await processor.take(message.raw_message)  # fetches the next while it is applied

        consume.__name__ = f"consume_{spec.durable.replace('-', '_')}"
        subscriber = self.broker.subscriber(
            spec.filter_subject,
            stream=JStream(spec.stream, declare=False),  # declared once, by provisioning
            durable=spec.durable,
            pull_sub=PullSub(
                batch_size=self.settings.batch_size, timeout=self.settings.fetch_timeout, batch=True
            ),
            # FastStream's own default (``_INBOX.``) would replace the connection's prefix, and
            # the bus lets a service subscribe only inside ``_INBOX.<service>``
            inbox_prefix=f"_INBOX.{self.service}.".encode(),
            ack_policy=AckPolicy.MANUAL,  # the kit acks, naks with delay, or dead-letters
            decoder=_no_decode,
            title=spec.durable,
            description=spec.description,
        )
        subscriber(consume)
        self._subscribers.append(subscriber)
        return processor

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success (waking the relay), roll back on error."""
        turn = self.turn or contextlib.nullcontext()
        async with turn, self.sessions() as session, session.begin():
            yield session

    async def start(self) -> None:
        """Migrate, connect, provision, then start the relay, consumers and jobs."""
        if self.settings.migrate_on_start:
            for engine in (self.engine, *self.side_engines):
                await upgrade(engine, self.migrations)
        self.nc = await self._connect()
        js = self.nc.jetstream()
        if self.settings.provision_on_start:
            await provision(js, replicas=self.settings.provision_replicas)
        for processor in self.processors:
            processor.js = js
        self.relay = Relay(
            table=self.outbox.table,
            sessions=self.sessions,
            publisher=WindowPublisher(self.nc),
            metrics=self.metrics,
            leadership=leadership_for(self.engine, f"pilar-{self.service}-relay"),
            window=self.settings.relay_window,
        )
        self.outbox.on_committed(self.relay.wake)
        self._spawn("relay", lambda _: self.relay.run() if self.relay else asyncio.sleep(0))
        await self.broker.start()
        for subscriber in self._subscribers:
            guard_fetch(subscriber.subscription)
        for job in self.jobs:
            self._spawn(getattr(job, "__name__", "job"), job)
        self.started = True
        log.info("%s started (database %s)", self.service, self.engine.dialect.name)

    async def _connect(self) -> Client:
        """Connect to NATS, waiting for it at start-up (it may come up after the service)."""
        delay = 0.5
        while True:
            try:
                return await nats.connect(
                    self.settings.nats_url,
                    name=f"pilar-{self.service}",
                    max_reconnect_attempts=-1,
                    inbox_prefix=f"_INBOX.{self.service}",
                    error_cb=self._bus_error,
                    **self.bus_options,
                )
            except Exception as exc:  # noqa: BLE001
                log.warning(
                    "waiting for NATS at %s (%s)", self.settings.nats_url, type(exc).__name__
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)

    async def _bus_error(self, error: Exception) -> None:
        """Note a subject the bus refused this service: its user lacks a permission it needs."""
        if PERMISSIONS_VIOLATION in str(error).lower():
            self.bus_refusals += 1  # a deployment error: not ready until it is fixed
            log.error("the bus refused %s: %s", self.service, str(error)[:300])

    def _spawn(self, name: str, job: Job) -> None:
        async def supervised() -> None:
            while True:  # a background job that crashes is restarted, never silently gone
                try:
                    await job(self)
                    return
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("background job %s crashed; restarting in 2s", name)
                    await asyncio.sleep(2)

        self._tasks.append(asyncio.create_task(supervised(), name=name))

    async def stop(self) -> None:
        """Stop consumers, jobs and the relay; close connections."""
        self.started = False
        for subscriber in self._subscribers:  # no further batch is taken ...
            with contextlib.suppress(Exception):
                await subscriber.stop()
        for processor in self.processors:  # ... and the ones taken are applied and acknowledged
            await processor.settle(DRAIN_SECONDS)
        with contextlib.suppress(Exception):
            await self.broker.stop()
        for task in self._tasks:
            task.cancel()
        _, stuck = await asyncio.wait(self._tasks, timeout=10) if self._tasks else ((), ())
        for task in stuck:  # never hang a shutdown on a job that ignores its cancellation
            log.error("background job %s did not stop within 10s", task.get_name())
        self._tasks.clear()
        if self.relay:
            await self.relay.leadership.release()
        if self.nc and not self.nc.is_closed:
            with contextlib.suppress(Exception):
                await self.nc.drain()
        for engine in (self.engine, *self.side_engines):
            await engine.dispose()
        self.tracer_provider.force_flush()

    async def readiness(self) -> dict[str, bool]:
        """Report whether NATS, the database, the consumers and the bus permissions are fine."""
        checks = {"nats": bool(self.nc and self.nc.is_connected), "started": self.started}
        try:
            async with asyncio.timeout(2), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:  # noqa: BLE001
            checks["database"] = False
        checks["consumers"] = await self._consumers_attached()
        checks["pull_loops"] = self.pull_loops_alive()
        checks["bus_permissions"] = self.bus_refusals == 0
        return checks

    def pull_loops_alive(self) -> bool:
        """Whether every subscriber still has a live fetch loop in this process."""
        return self.started and all(
            any(not task.done() for task in getattr(subscriber, "tasks", ()))
            for subscriber in self._subscribers
        )

    async def _consumers_attached(self) -> bool:
        if not (self.nc and self.nc.is_connected and self.started):
            return False
        js = self.nc.jetstream()
        try:
            async with asyncio.timeout(2):
                for processor in self.processors:
                    await js.consumer_info(processor.router.spec.stream, processor.consumer)
        except Exception:  # noqa: BLE001
            return False
        return True
