"""Staging cases events in the outbox, on the subjects of the case's region."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts import Event, wrap
from pilar_contracts.events.cases import SOURCE
from pilar_kit.outbox import Outbox


async def announce(
    session: AsyncSession, outbox: Outbox, *, region: str, subject: str, events: list[Event]
) -> None:
    """Stage events about one record (``case/<id>`` or ``referral/<id>``) of a region."""
    await outbox.stage(
        session, *(wrap(e, source=SOURCE, subject=subject, region=region) for e in events)
    )


async def announce_many(
    session: AsyncSession, outbox: Outbox, events: Sequence[tuple[str, str, Event]]
) -> None:
    """Stage events about many records at once, each given as (region, subject, event)."""
    await outbox.stage(
        session,
        *(wrap(e, source=SOURCE, subject=subject, region=region) for region, subject, e in events),
    )
