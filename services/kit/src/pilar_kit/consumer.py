"""Durable consumers: decode, dedupe through the inbox, apply a fetched batch in one transaction.

PoisonError (undecodable, invalid, unknown type) goes straight to the dead-letter stream. A batch
whose handlers fail is retried message by message, so one bad event never blocks the others;
transient failures are redelivered with a growing delay up to ``max_attempts``, then dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, TypeVar
from uuid import UUID

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pilar_contracts import Envelope, EnvelopeError, Event, event_class
from pilar_contracts.envelope import SPEC_VERSION
from pilar_contracts.streams import ConsumerSpec
from pilar_contracts.subjects import subject_province, validate_region
from pilar_kit.deadletters import dead_letter
from pilar_kit.inbox import claim
from pilar_kit.metrics import KitMetrics
from pilar_kit.natsfast import ack_all
from pilar_kit.telemetry import spans_exported

log = logging.getLogger("pilar.consumer")
tracer = trace.get_tracer("pilar.kit.consumer")
E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Delivery:
    """What a handler may know of the message beside the event: its envelope and delivery."""

    envelope: Envelope
    subject: str
    num_delivered: int


Handler = Callable[[Any, Delivery, AsyncSession], Awaitable[None]]
BatchHandler = Callable[[Sequence[tuple[Any, Delivery]], AsyncSession], Awaitable[None]]


class PermanentError(Exception):
    """A handler's verdict that an event can never be applied: dead-letter it at once."""


class PoisonError(Exception):
    """A message that cannot be decoded into a known, valid event."""


class EventRouter:
    """The handlers of one durable consumer, by event type."""

    def __init__(self, spec: ConsumerSpec) -> None:
        self.spec = spec
        self.handlers: dict[type[Event], Handler | Many] = {}

    def on(
        self, event_type: type[E]
    ) -> Callable[[Callable[[E, Delivery, AsyncSession], Awaitable[None]]], Any]:
        """Register ``handler(event, delivery, session)`` for an event type."""

        def register(handler: Callable[[E, Delivery, AsyncSession], Awaitable[None]]) -> Any:
            self.handlers[event_type] = handler
            return handler

        return register

    def on_many(
        self, event_type: type[E]
    ) -> Callable[[Callable[[Sequence[tuple[E, Delivery]], AsyncSession], Awaitable[None]]], Any]:
        """Register ``handler(items, session)`` that applies a run of events in few statements."""

        def register(
            handler: Callable[[Sequence[tuple[E, Delivery]], AsyncSession], Awaitable[None]],
        ) -> Any:
            self.handlers[event_type] = Many(handler)
            return handler

        return register


@dataclass(frozen=True)
class Many:
    """A handler that takes consecutive events of its type together (projections, replicas)."""

    apply: BatchHandler


@dataclass(slots=True)
class Ready:
    """A decoded message with its handler (internal, made once per message: kept cheap)."""

    msg: Msg
    event: Event
    delivery: Delivery
    handler: Handler | Many


class BatchProcessor:
    """Applies batches fetched by one durable consumer."""

    def __init__(
        self,
        router: EventRouter,
        *,
        sessions: async_sessionmaker[AsyncSession],
        inbox: Table,
        jetstream: JetStreamContext | None,
        metrics: KitMetrics,
        max_attempts: int = 5,
        backoff: tuple[float, ...] = (1.0, 4.0, 15.0, 60.0),
        served: frozenset[str] = frozenset(),
    ) -> None:
        self.router, self.sessions, self.inbox, self.js = router, sessions, inbox, jetstream
        self.served = served  # provinces whose events are applied here; empty: all
        self.metrics, self.max_attempts, self.backoff = metrics, max_attempts, backoff
        self.consumer = router.spec.durable
        self.turn: asyncio.Lock | None = None  # shared by a process's consumers on SQLite
        self.applying: asyncio.Task[None] | None = None  # the batch being applied, if any

    async def take(self, msgs: list[Msg]) -> None:
        """Decode a fetched batch, then start applying it once the batch before is applied.

        Returns while the batch is applied, so that the next one is fetched and decoded while
        the database works (a wait on PostgreSQL's round trips otherwise). Batches are still
        applied one at a time and in order: each transaction begins after the one before ends.
        """
        ready, skipped = await self._sort(msgs)
        await self.drain()
        self.applying = asyncio.create_task(self._finish(ready, skipped))

    async def drain(self) -> None:
        """Wait until the batch being applied is applied and acknowledged (if there is one)."""
        applying = self.applying
        if applying is None:
            return
        await asyncio.shield(applying)  # a caller cancelled meanwhile leaves the batch to finish
        if self.applying is applying:
            self.applying = None

    async def settle(self, seconds: float) -> None:
        """At stop: let the batch being applied finish within ``seconds``, else cancel it.

        A cancelled batch is rolled back; its messages come again after ``ack_wait``.
        """
        applying = self.applying
        if applying is None:
            return
        done, _ = await asyncio.wait([applying], timeout=seconds)
        if not done:
            log.warning("a batch of %s unfinished after %.0fs: cancelled", self.consumer, seconds)
            applying.cancel()
            await asyncio.wait([applying])
        if self.applying is applying:
            self.applying = None

    async def _sort(self, msgs: list[Msg]) -> tuple[list[Ready], list[Msg]]:
        """Decode a batch: poison to the DLQ, the rest ready to apply or to acknowledge unread."""
        ready: list[Ready] = []
        skipped: list[Msg] = []
        for msg in msgs:
            if self.served and subject_province(msg.subject) not in self.served:
                skipped.append(msg)  # another instance (the province's own) applies it
                continue
            try:
                item = self.decode(msg)
            except PoisonError as poison:
                await self._dead_letter(msg, str(poison), "invalid")
                continue
            if item is None:
                skipped.append(msg)
            else:
                ready.append(item)
        self.metrics.count(self.consumer, "skipped", len(skipped))
        return ready, skipped

    async def _finish(self, ready: list[Ready], skipped: list[Msg]) -> None:
        """Apply the decoded batch and acknowledge it, taking turns with the other consumers."""
        try:
            if self.turn is None:
                await self._apply_batch(ready)
            else:
                async with self.turn:
                    await self._apply_batch(ready)
            await ack_all(skipped)
        except Exception:  # unacknowledged messages come again after ack_wait
            log.exception("a batch of %s was not finished", self.consumer)

    async def _apply_batch(self, ready: list[Ready]) -> None:
        """Apply the batch in one transaction, then ack; on failure, one message at a time."""
        if not ready:
            return
        try:
            await self._apply(ready)
        except Exception:  # noqa: BLE001  find the culprit: retry one by one
            log.info("batch of %d failed on %s; applying one by one", len(ready), self.consumer)
            for item in ready:
                await self._apply_alone(item)
        else:
            await ack_all([item.msg for item in ready])

    def decode(self, msg: Msg) -> Ready | None:
        """Return the decoded message, None when this consumer has no handler for it."""
        headers = msg.headers or {}
        try:
            envelope = Envelope.from_headers(headers)
        except EnvelopeError:
            raise PoisonError(_describe_envelope(headers)) from None
        try:
            event_type = event_class(envelope.type)
        except KeyError:
            raise PoisonError(_describe_type(envelope.type)) from None
        handler = self.router.handlers.get(event_type)
        if handler is None:
            return None
        try:
            event = event_type.model_validate_json(msg.data)
        except ValidationError as invalid:
            raise PoisonError(_describe(invalid)) from None
        delivery = Delivery(envelope, msg.subject, _num_delivered(msg))
        return Ready(msg, event, delivery, handler)

    async def _apply(self, items: list[Ready]) -> None:
        started = datetime.now(UTC)
        async with self.sessions() as session, session.begin():
            ids = {i.delivery.envelope.id for i in items}
            fresh = await claim(session, self.inbox, self.consumer, ids, started)
            todo = []
            for item in items:
                event_id = item.delivery.envelope.id
                if event_id in fresh:
                    fresh.discard(event_id)  # the same event twice in one batch applies once
                    todo.append(item)
            for run in _runs(todo):
                await self._call_run(run, session)
        applied = len(todo)
        self.metrics.count(self.consumer, "applied", applied)
        self.metrics.count(self.consumer, "duplicate", len(items) - applied)
        self.metrics.batch_seconds.labels(self.metrics.service, self.consumer).observe(
            (datetime.now(UTC) - started).total_seconds()
        )

    async def _call_run(self, run: list[Ready], session: AsyncSession) -> None:
        """Apply a run of events that share a handler, each under its own span when exported."""
        handler = run[0].handler
        if not spans_exported():
            await self._call_untraced(run, handler, session)
            return
        with ExitStack() as spans:
            if isinstance(handler, Many):
                active = [spans.enter_context(self._span(item)) for item in run]
                await _traced(active, handler.apply([(i.event, i.delivery) for i in run], session))
                return
            for item in run:
                with self._span(item) as span:
                    await _traced([span], handler(item.event, item.delivery, session))

    async def _call_untraced(
        self, run: list[Ready], handler: Handler | Many, session: AsyncSession
    ) -> None:
        """Apply a run without spans, keeping each event's trace context for what it stages."""
        if isinstance(handler, Many):
            with _remote_parent(run[-1]):  # the context the last of the nested spans would have
                await handler.apply([(i.event, i.delivery) for i in run], session)
            return
        for item in run:
            with _remote_parent(item):
                await handler(item.event, item.delivery, session)

    def _span(self, item: Ready) -> AbstractContextManager[Span]:
        """The consumer span of one event, a child of the span that staged it."""
        envelope = item.delivery.envelope
        attributes = {
            "messaging.system": "nats",
            "messaging.destination.template": envelope.type,
            "messaging.consumer.group.name": self.consumer,
            "messaging.message.id": str(envelope.id),
        }
        return tracer.start_as_current_span(
            f"{envelope.type} process",
            context=propagate.extract(item.msg.headers or {}),
            kind=SpanKind.CONSUMER,
            attributes=attributes,
        )

    async def _apply_alone(self, item: Ready) -> None:
        try:
            await self._apply([item])
        except PermanentError as rejected:
            await self._dead_letter(item.msg, f"rejected: {rejected}", "rejected")
        except Exception as exc:  # noqa: BLE001  transient until proven otherwise
            attempt = item.delivery.num_delivered
            if attempt >= self.max_attempts:
                await self._dead_letter(
                    item.msg, f"exhausted after {attempt}: {type(exc).__name__}", "exhausted"
                )
                return
            delay = self.backoff[min(attempt - 1, len(self.backoff) - 1)]
            log.warning(
                "%s failed on %s (%s); retry %d in %.0fs",
                item.delivery.envelope.type,
                self.consumer,
                type(exc).__name__,
                attempt,
                delay,
            )
            self.metrics.count(self.consumer, "retried")
            await item.msg.nak(delay=delay)
        else:
            await item.msg.ack()

    async def _dead_letter(self, msg: Msg, reason: str, kind: str) -> None:
        if self.js is None:
            raise RuntimeError("consumer not connected: no JetStream to dead-letter to")
        await dead_letter(self.js, msg, consumer=self.consumer, reason=reason)
        self.metrics.count(self.consumer, "dead_lettered")
        self.metrics.dead_letters.labels(self.metrics.service, self.consumer, kind).inc()
        log.warning("dead-lettered a %s message on %s: %s", kind, self.consumer, reason[:200])


_V1_ACK_TOKENS = 9  # $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<time>.<pending>


def _num_delivered(msg: Msg) -> int:
    """How often JetStream has delivered the message, read from its reply subject.

    nats-py's ``msg.metadata`` parses every field into objects (a few microseconds a message);
    the usual v1 form is read here directly, any other form by nats-py.
    """
    tokens = msg.reply.split(".") if msg.reply else []
    if len(tokens) == _V1_ACK_TOKENS and tokens[0] == "$JS" and tokens[1] == "ACK":
        return int(tokens[4])
    return msg.metadata.num_delivered


@contextmanager
def _remote_parent(item: Ready) -> Iterator[None]:
    """Make the staging span's context current, so that events staged now continue its trace."""
    token = otel_context.attach(propagate.extract(item.msg.headers or {}))
    try:
        yield
    finally:
        otel_context.detach(token)


def _runs(items: list[Ready]) -> Iterator[list[Ready]]:
    """Consecutive items with the same handler, in delivery order."""
    for _, run in groupby(items, key=lambda item: item.handler):
        yield list(run)


async def _traced(spans: list[Span], work: Awaitable[None]) -> None:
    """Await the handler's work; mark the spans failed when it raises."""
    try:
        await work
    except Exception as exc:
        for span in spans:
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise


_REQUIRED_HEADERS = ("ce-specversion", "ce-id", "ce-source", "ce-type", "ce-subject", "ce-time")
_TYPE_NAME = re.compile(r"pilar(\.[a-z][a-z0-9_]*)+\.v[0-9]+")


def _aware_time(value: str) -> None:
    if datetime.fromisoformat(value).tzinfo is None:
        raise ValueError("naive")


def _describe_envelope(headers: Mapping[str, str]) -> str:
    """Name the missing or malformed CloudEvents headers without echoing their values."""
    missing = [name for name in _REQUIRED_HEADERS if name not in headers]
    if missing:
        return "invalid envelope: missing " + ", ".join(missing)
    if headers["ce-specversion"] != SPEC_VERSION:
        return "invalid envelope: unsupported ce-specversion"
    checks: dict[str, Callable[[str], object]] = {
        "ce-id": UUID,
        "ce-time": _aware_time,
        "ce-region": validate_region,
    }
    malformed = []
    for name, check in checks.items():
        try:
            check(headers.get(name, ""))
        except ValueError:
            malformed.append(name)
    return "invalid envelope: malformed " + (", ".join(malformed) or "attributes")


def _describe_type(type_name: str) -> str:
    """Name an unknown event type only when it has the shape of one (never echo anything else)."""
    if _TYPE_NAME.fullmatch(type_name):
        return f"unknown event type {type_name}"
    return "unknown event type (malformed ce-type)"


def _describe(invalid: ValidationError) -> str:
    """Say what was wrong without echoing the input (it may hold personal data)."""
    parts = []
    for error in invalid.errors(include_input=False, include_url=False)[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "body"
        parts.append(f"{where}: {error['msg']}")
    return "invalid event: " + "; ".join(parts)
