"""Registry background jobs: the expiry scheduler (which also refreshes planner statistics)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from pilar_kit.leader import leadership_for
from pilar_kit.runtime import Runtime
from pilar_registry.store.statistics import refresh_statistics
from pilar_registry.usecases import scan_expiries

log = logging.getLogger("pilar.registry.expiry")


class ExpiryScheduler:
    """Announces expiry notices and expiries every ``interval`` seconds."""

    def __init__(self, interval: float, page_size: int = 1000) -> None:
        self.interval, self.page_size = interval, page_size

    async def run(self, runtime: Runtime) -> None:
        """Scan forever, on one instance of the service at a time."""
        leadership = leadership_for(runtime.engine, "pilar-registry-expiry")
        try:
            while True:
                if await leadership.acquire():
                    staged = await self.scan(runtime)
                    if staged:
                        log.info("announced %d certification expiry events", staged)
                await asyncio.sleep(self.interval)
        finally:
            await leadership.release()

    async def scan(self, runtime: Runtime) -> int:
        """One full scan, in bounded transactions; return how many events were staged."""
        total, today, after = 0, datetime.now(UTC).date(), None
        while True:
            async with runtime.transaction() as session:
                page = await scan_expiries(
                    session, runtime.outbox, today=today, after=after, limit=self.page_size
                )
            total += page.staged
            if page.done:
                async with runtime.transaction() as session:
                    await refresh_statistics(session)
                return total
            after = page.next_after
