"""Reading BMKG-format earthquake feeds from a file or URL: once (CLI) or periodically (a job).

BMKG's open data asks for the attribution "Sumber: BMKG" and about 60 requests per minute per
client at most; the job polls once per ``bmkg_poll_seconds`` (60 by default) and is off unless
``PILAR_CASES_BMKG_URL`` is set.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain.earthquakes import FeedMalformed, parse_feed
from pilar_cases.metrics import CasesMetrics
from pilar_cases.usecases.earthquakes import Ingested, ingest_reports
from pilar_kit.outbox import Outbox
from pilar_kit.runtime import Runtime

log = logging.getLogger("pilar.cases.bmkg")
MAX_FEED_BYTES = 2_000_000
FETCH_TIMEOUT_SECONDS = 10.0
ATTRIBUTION = "Sumber: BMKG"
Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class FeedUnreachable(OSError):  # noqa: N818
    """The feed could not be read (network, HTTP status, missing file)."""


def _fetch(source: str, timeout: float) -> bytes:
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": "pilar-cases"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                raw: bytes = response.read(MAX_FEED_BYTES + 1)
        except (urllib.error.URLError, TimeoutError, OSError) as failed:
            raise FeedUnreachable(f"feed BMKG tidak terbaca: {failed}") from None
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as failed:
            raise FeedUnreachable(f"file feed BMKG tidak terbaca: {failed.strerror}") from None
    if len(raw) > MAX_FEED_BYTES:
        raise FeedMalformed(f"feed lebih dari {MAX_FEED_BYTES} byte")
    return raw


async def read_feed(source: str) -> bytes:
    """The bytes of a feed file or URL, read off the event loop."""
    return await asyncio.to_thread(_fetch, source, FETCH_TIMEOUT_SECONDS)


async def ingest_source(transaction: Transaction, outbox: Outbox, source: str) -> Ingested:
    """Read, parse and ingest one feed; FeedMalformed or FeedUnreachable ingest nothing."""
    quakes = parse_feed(await read_feed(source))
    for attempt in (1, 2):  # a concurrent reading of the same feed may insert first
        try:
            async with transaction() as session:
                return await ingest_reports(session, outbox, quakes=quakes, now=datetime.now(UTC))
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class BmkgFeed:
    """Polls a BMKG-format feed URL and ingests what is new; off when no URL is configured."""

    def __init__(self, url: str, interval: float) -> None:
        self.url, self.interval = url, interval
        self.metrics: CasesMetrics | None = None

    async def run(self, runtime: Runtime) -> None:
        """Poll forever; a bad reading is logged and counted, and the next one tried."""
        while True:
            await self.poll(runtime)
            await asyncio.sleep(self.interval)

    async def poll(self, runtime: Runtime) -> Ingested | None:
        """Read the feed once; None when it could not be read or parsed."""
        try:
            ingested = await ingest_source(runtime.transaction, runtime.outbox, self.url)
        except (FeedUnreachable, FeedMalformed) as failed:
            reason = "malformed" if isinstance(failed, FeedMalformed) else "unreachable"
            log.warning("BMKG feed %s: %s", reason, failed)
            if self.metrics:
                self.metrics.feed_failures.labels(reason).inc()
            return None
        self.count(ingested)
        return ingested

    def count(self, ingested: Ingested) -> None:
        """Count new and duplicate reports."""
        if self.metrics:
            self.metrics.earthquakes.labels("new").inc(len(ingested.new))
            self.metrics.earthquakes.labels("duplicate").inc(ingested.duplicates)
        if ingested.new:
            log.info("%d new earthquake reports (%s)", len(ingested.new), ATTRIBUTION)
