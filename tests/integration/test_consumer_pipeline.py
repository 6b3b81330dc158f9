"""A consumer decodes the next batch while one is applied, yet applies one batch at a time.

Real nats-server, FastStream pull-batch subscribers wired like the Runtime's, on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from uuid import UUID

import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.registry import VolunteerCertified
from pilar_kit.consumer import BatchProcessor, Delivery, Ready
from pilar_kit.natsserver import NatsServer
from pilar_kit.provision import provision
from tests.integration.kit_app import (
    CertifiedHandler,
    CertifiedRuns,
    KitApp,
    certified,
    consumer_settled,
    consumer_spec,
    consuming,
    publish,
    wait_until,
)

pytestmark = pytest.mark.integration

BATCH = 50
HOLD_SECONDS = 15.0  # far more than a fetch takes: a first batch released by timeout failed


class HeldRuns(CertifiedRuns):
    """Holds the first run it is given until a message of another batch has been decoded."""

    def __init__(self, handler: CertifiedHandler) -> None:
        super().__init__(handler)
        self.first: set[UUID] = set()
        self.seen: set[UUID] = set()  # every message decoded so far
        self.next_decoded = asyncio.Event()
        self.released_by_next: bool | None = None  # None: no run held yet
        self.applying = self.most_at_once = 0

    def decoded(self, item: Ready | None) -> None:
        """Note a decoded message: one outside the held run is the next batch's."""
        if item is not None:
            self.seen.add(item.delivery.envelope.id)
            self._check()

    def _check(self) -> None:
        """Release the held run once a message of another batch has been decoded."""
        if self.first and self.seen - self.first:
            self.next_decoded.set()

    async def __call__(
        self, items: Sequence[tuple[VolunteerCertified, Delivery]], session: AsyncSession
    ) -> None:
        """Apply the run; hold the first one until the next batch is decoded."""
        self.applying += 1
        self.most_at_once = max(self.most_at_once, self.applying)
        try:
            if self.released_by_next is None:
                self.first = {delivery.envelope.id for _, delivery in items}
                self._check()  # the next batch may have been decoded before this run began
                self.released_by_next = await _waited(self.next_decoded, HOLD_SECONDS)
            await super().__call__(items, session)
        finally:
            self.applying -= 1


async def _waited(event: asyncio.Event, seconds: float) -> bool:
    """Whether ``event`` was set within ``seconds``."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def test_the_next_batch_is_decoded_while_one_is_applied_one_batch_at_a_time(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-pipeline")
    await provision(js, consumers=[spec])
    events = [certified() for _ in range(4 * BATCH)]
    await publish(js, events)
    runs = HeldRuns(CertifiedHandler(spec.durable, faults=False))
    processor = app.processor(spec, runs)
    decode = processor.decode

    def spied(msg: Msg) -> Ready | None:
        item = decode(msg)
        runs.decoded(item)
        return item

    processor.decode = spied  # type: ignore[method-assign]
    async with consuming(nats_server.url, processor):
        await wait_until(
            lambda: app.applied_at_least(spec.durable, len(events)), "every event applied"
        )
        await wait_until(lambda: consumer_settled(js, spec), "consumer settled")

    assert runs.released_by_next is True  # the next batch came while the first was applied
    assert runs.most_at_once == 1  # but no two batches were applied at once
    applied = await app.applied_ids(spec.durable)
    assert sorted(applied) == sorted(e.envelope.id for e in events)  # each exactly once


async def test_stopping_lets_the_batch_being_applied_commit_and_be_acknowledged(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-drain", ack_wait=30)  # a batch left unacked would stay pending
    await provision(js, consumers=[spec])
    events = [certified() for _ in range(5)]
    await publish(js, events)
    handler = CertifiedHandler(spec.durable, faults=False, delay=0.3)  # 1.5 s for the batch
    async with consuming(nats_server.url, app.processor(spec, handler)):
        await wait_until(lambda: _started(handler), "the batch being applied")
    # the host has stopped: the batch it had taken was applied and acknowledged first
    assert await app.applied_count(spec.durable) == len(events)
    assert await consumer_settled(js, spec)


async def _started(handler: CertifiedHandler) -> bool:
    """True once the handler has been called."""
    return bool(handler.seen)


async def test_a_batch_that_outlasts_the_stop_is_rolled_back_and_comes_again(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-settle", ack_wait=2)
    await provision(js, consumers=[spec])
    events = [certified() for _ in range(3)]
    await publish(js, events)
    slow = app.processor(spec, CertifiedHandler(spec.durable, faults=False, delay=5))
    async with consuming(nats_server.url, slow):
        await wait_until(lambda: _started(slow_handler(slow)), "the batch being applied")
        await slow.settle(0.2)  # the stop's patience runs out: the batch is cancelled
        assert slow.applying is None
    assert await app.applied_count(spec.durable) == 0  # rolled back, nothing half-applied
    handler = CertifiedHandler(spec.durable, faults=False)
    async with consuming(nats_server.url, app.processor(spec, handler)):
        await wait_until(
            lambda: app.applied_at_least(spec.durable, len(events)),
            "the cancelled batch applied after redelivery",
        )
        await wait_until(lambda: consumer_settled(js, spec), "consumer settled")
    assert sorted(await app.applied_ids(spec.durable)) == sorted(e.envelope.id for e in events)


def slow_handler(processor: BatchProcessor) -> CertifiedHandler:
    """The handler a processor's router calls for ``VolunteerCertified``."""
    handler = processor.router.handlers[VolunteerCertified]
    assert isinstance(handler, CertifiedHandler)
    return handler
