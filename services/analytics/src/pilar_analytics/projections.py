"""Projecting events into the read models: the same code for live consumers and for rebuild."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain import cases, notices, psks
from pilar_analytics.domain.facts import Effect, FactsOf, Seen
from pilar_analytics.store import snapshots, writes
from pilar_contracts import Event
from pilar_kit.consumer import Delivery

FACTS: dict[type[Event], FactsOf] = psks.FACTS | cases.FACTS | notices.FACTS
"""Every public event analytics reads, with what it does to the read models."""


def effects(items: Sequence[tuple[Event, Delivery]]) -> list[Effect]:
    """The effects of a run of events, in delivery order."""
    found: list[Effect] = []
    for event, delivery in items:
        envelope = delivery.envelope
        seen = Seen(envelope.id, envelope.time, envelope.region)
        found += FACTS[type(event)](event, seen)
    return found


async def project(items: Sequence[tuple[Event, Delivery]], session: AsyncSession) -> None:
    """Apply a run of events of any types: one read and one write per table touched."""
    await writes.apply(session, effects(items))
    await snapshots.forget_since(session, (delivery.envelope.time for _, delivery in items))
