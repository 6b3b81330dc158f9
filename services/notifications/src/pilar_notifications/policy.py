"""Delivery policy as pure functions: channel order, retry with backoff and jitter, fallback."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

# Cheapest reach first: WhatsApp costs the recipient nothing, SMS reaches any phone, e-mail last.
FALLBACK_ORDER: tuple[str, ...] = ("whatsapp", "sms", "email")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one channel is tried before falling back to the next."""

    max_attempts: int = 5
    base_seconds: float = 2.0
    cap_seconds: float = 300.0

    def backoff(self, attempt: int, rng: Random) -> timedelta:
        """Delay after the n-th failed attempt: equal jitter on a capped exponential."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))


@dataclass(frozen=True)
class Retry:
    """Try the same channel again at a later time."""

    at: datetime


@dataclass(frozen=True)
class Fallback:
    """Give up on this channel and try the next one now."""

    channel: str


@dataclass(frozen=True)
class GiveUp:
    """No channel is left: the notification failed."""


Decision = Retry | Fallback | GiveUp


def channel_plan(preferred: Iterable[str], reachable: Iterable[str]) -> tuple[str, ...]:
    """Channels to try in order: the recipient's preference, then the fallback order."""
    can_reach = set(reachable)
    ordered = dict.fromkeys([*preferred, *FALLBACK_ORDER])
    return tuple(channel for channel in ordered if channel in can_reach)


def next_channel(plan: tuple[str, ...], tried: Iterable[str]) -> str | None:
    """The first channel of the plan not tried yet."""
    done = set(tried)
    return next((channel for channel in plan if channel not in done), None)


def after_failure(
    *,
    policy: RetryPolicy,
    plan: tuple[str, ...],
    tried: Iterable[str],
    attempts_on_channel: int,
    permanent: bool,
    now: datetime,
    rng: Random,
) -> Decision:
    """Decide what follows a failed attempt on the last channel in ``tried``."""
    if not permanent and attempts_on_channel < policy.max_attempts:
        return Retry(at=now + policy.backoff(attempts_on_channel, rng))
    following = next_channel(plan, tried)
    return GiveUp() if following is None else Fallback(channel=following)
