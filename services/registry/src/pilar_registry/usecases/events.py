"""Staging registry events about one person."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts import Event, wrap
from pilar_contracts.events.registry import SOURCE
from pilar_kit.outbox import Outbox
from pilar_registry.domain import Volunteer


async def announce(
    session: AsyncSession, outbox: Outbox, volunteer: Volunteer, *events: Event
) -> None:
    """Stage events about a person, on the subjects of their region."""
    subject = f"volunteer/{volunteer.id}"
    await outbox.stage(
        session,
        *(wrap(e, source=SOURCE, subject=subject, region=volunteer.region) for e in events),
    )
