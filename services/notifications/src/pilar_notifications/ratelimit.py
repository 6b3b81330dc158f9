"""Per-gateway rate limits: a token bucket that also holds back while a gateway asks for a pause."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping

from pilar_notifications.settings import RateLimit


class TokenBucket:
    """``rate`` sends a second, up to ``burst`` at once; ``pause`` holds every send back.

    Reservations are handed out in call order, so whoever asks first sends first: the
    dispatcher asks for urgent notifications before routine ones.
    """

    def __init__(
        self, rate: float, burst: int = 1, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")
        self.interval, self.burst, self.clock = 1.0 / rate, burst, clock
        self.next_free = float("-inf")  # when the next token would be taken at the steady rate
        self.paused_until = float("-inf")

    def reserve(self) -> float:
        """Take the next token; return the clock time at which it may be used."""
        now = self.clock()
        at = max(self.next_free, now - (self.burst - 1) * self.interval, self.paused_until)
        self.next_free = at + self.interval
        return max(at, now)

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` (a gateway's Retry-After), then resume one at a time."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def acquire(self) -> None:
        """Wait for a token; a pause that begins while waiting is waited out too."""
        while True:
            at = self.reserve()
            wait = at - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            if self.clock() >= self.paused_until:
                return


class Limits:
    """One bucket per gateway; a gateway without a configured limit is held back only by 429s."""

    def __init__(
        self, limits: Mapping[str, RateLimit], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        self.buckets = {c: TokenBucket(v.per_second, v.burst, clock) for c, v in limits.items()}

    def bucket(self, channel: str) -> TokenBucket:
        """The channel's bucket, unlimited unless configured."""
        if channel not in self.buckets:
            self.buckets[channel] = TokenBucket(math.inf, 1, self.clock)
        return self.buckets[channel]

    async def acquire(self, channel: str) -> None:
        """Wait until the channel's gateway may take one more message."""
        await self.bucket(channel).acquire()

    def pause(self, channel: str, seconds: float) -> None:
        """Hold a gateway back for the pause it asked for."""
        self.bucket(channel).pause(seconds)
