"""A steady flow of events through the kit's outbox and relay, and the exactly-once verdict on it.

For the reliability tests: failures here, the cluster, leaf node and scale-out ones in tests/scale.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from functools import partial
from uuid import UUID

from nats.js import JetStreamContext

from pilar_contracts import Outgoing
from pilar_contracts.streams import ConsumerSpec
from pilar_kit.relay import Relay
from tests.integration.kit_app import KitApp, certified, consumer_settled, wait_until


class Producer:
    """Stages events (a few per transaction) until stopped, like a service under steady load."""

    def __init__(
        self,
        app: KitApp,
        make: Callable[[], Outgoing] = certified,
        per_transaction: int = 5,
        pause: float = 0.02,
    ) -> None:
        self.app, self.make, self.per_transaction, self.pause = app, make, per_transaction, pause
        self.staged = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            await self.app.stage(*(self.make() for _ in range(self.per_transaction)))
            self.staged += self.per_transaction
            await asyncio.sleep(self.pause)

    def start(self) -> None:
        """Start staging in the background."""
        self._stop.clear()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop staging after the current transaction."""
        self._stop.set()
        if self._task is not None:
            await self._task

    async def staged_at_least(self, count: int) -> None:
        """Wait until at least ``count`` events were staged."""

        async def enough() -> bool:
            return self.staged >= count

        await wait_until(enough, f"{count} events staged")


@asynccontextmanager
async def relaying(relay: Relay) -> AsyncIterator[None]:
    """Run the outbox relay in the background for the duration of a ``with`` block."""
    task = asyncio.create_task(relay.run())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def applied_at_least(app: KitApp, consumer: str, count: int, within: float = 60) -> None:
    """Wait until a consumer applied at least ``count`` events."""
    enough = partial(app.applied_at_least, consumer, count)
    await wait_until(enough, f"{count} events applied by {consumer}", within=within)


async def all_published(app: KitApp, within: float = 60) -> None:
    """Wait until the relay published every outbox row."""

    async def done() -> bool:
        return await app.unpublished() == 0

    await wait_until(done, "every outbox row published", within=within)


async def assert_applied_exactly_once(
    app: KitApp,
    js: JetStreamContext,
    spec: ConsumerSpec,
    expected: list[UUID],
    within: float = 60,
) -> None:
    """Wait for a consumer to drain, then check it applied each expected event exactly once."""
    await applied_at_least(app, spec.durable, len(expected), within)
    await wait_until(partial(consumer_settled, js, spec), f"{spec.durable} settled", within=30)
    applied = await app.applied_ids(spec.durable)
    doubles = [event_id for event_id, n in Counter(applied).items() if n > 1]
    assert doubles == [], f"{len(doubles)} events applied twice"
    assert set(applied) == set(expected), "an event was lost or invented"
    assert len(applied) == len(expected)
    assert await app.certified_total(spec.durable) == len(expected)
