"""JetStream streams and durable consumers of Pilar, declared in one place.

Plain data: the kit applies it (create-or-update) with nats-py; deploy/ documents it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DAY = 24 * 3600


@dataclass(frozen=True)
class StreamSpec:
    """A JetStream stream: file storage, limits retention, a duplicate window."""

    name: str
    subjects: tuple[str, ...]
    max_age_seconds: int = 400 * DAY  # long enough to rebuild every read model
    duplicate_window_seconds: int = 3600  # longer than the outbox relay's worst outage
    replicas: int = 1


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer shared by every instance of one service."""

    durable: str
    stream: str
    filter_subject: str
    max_deliver: int = 8  # safety net: the kit dead-letters after MAX_ATTEMPTS first
    ack_wait_seconds: int = 30
    max_ack_pending: int = 1000
    description: str = field(default="", compare=False)


REGISTRY = StreamSpec("PILAR_REGISTRY", ("pilar.registry.>",))
CASES = StreamSpec("PILAR_CASES", ("pilar.cases.>",))
NOTIFICATIONS = StreamSpec("PILAR_NOTIFICATIONS", ("pilar.notifications.>",))
ANALYTICS = StreamSpec("PILAR_ANALYTICS", ("pilar.analytics.>",))
PRIVATE = StreamSpec("PILAR_PRIVATE", ("pilar.private.>",), max_age_seconds=30 * DAY)
DLQ = StreamSpec("PILAR_DLQ", ("pilar.dlq.>",), max_age_seconds=90 * DAY)

STREAMS: tuple[StreamSpec, ...] = (REGISTRY, CASES, NOTIFICATIONS, ANALYTICS, PRIVATE, DLQ)


def stream_for_subject(subject: str) -> StreamSpec:
    """Return the stream that stores a subject."""
    for spec in STREAMS:
        if any(subject.startswith(s.removesuffix(">")) for s in spec.subjects):
            return spec
    raise KeyError(f"no stream stores {subject!r}")
