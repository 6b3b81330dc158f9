"""The exactly-once verdict over a flow of events (the flow itself: tests/integration/flows.py)."""

from __future__ import annotations

from collections import Counter
from functools import partial
from uuid import UUID

from nats.js import JetStreamContext

from pilar_contracts.streams import ConsumerSpec
from tests.integration.kit_app import KitApp, consumer_settled, wait_until


async def applied_at_least(app: KitApp, consumer: str, count: int, within: float = 60) -> None:
    """Wait until a consumer applied at least ``count`` events."""

    async def enough() -> bool:
        return await app.applied_count(consumer) >= count

    await wait_until(enough, f"{count} events applied by {consumer}", within=within)


async def all_published(app: KitApp) -> None:
    """Wait until the relay published every outbox row."""

    async def done() -> bool:
        return await app.unpublished() == 0

    await wait_until(done, "every outbox row published", within=60)


async def assert_applied_exactly_once(
    app: KitApp, js: JetStreamContext, spec: ConsumerSpec, expected: list[UUID], within: float = 60
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
