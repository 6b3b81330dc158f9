"""A steady flow of events through the kit's outbox and relay, for the reliability tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from pilar_contracts import Outgoing
from pilar_kit.relay import Relay
from tests.integration.kit_app import KitApp, certified, wait_until


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
