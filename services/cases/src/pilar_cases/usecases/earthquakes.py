"""Ingesting earthquake reports: each BMKG event announced once, however often it is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain.earthquakes import Quake
from pilar_cases.domain.epicentre import reference_region
from pilar_cases.store import earthquakes as store
from pilar_cases.usecases.events import announce_many
from pilar_kit.outbox import Outbox


@dataclass(frozen=True)
class Ingested:
    """What one reading of a feed added."""

    new: list[Quake]
    duplicates: int


async def ingest_reports(
    session: AsyncSession, outbox: Outbox, *, quakes: list[Quake], now: datetime
) -> Ingested:
    """Keep and announce the reports not seen before; the rest are duplicates."""
    known = await store.known_reports(session, [q.event.report_id for q in quakes])
    new = [q for q in quakes if q.event.report_id not in known]
    await store.add_reports(session, new, now)
    # on the subject of the regency BMKG measures from, so the province sees it; else national
    events = [(reference_region(q.area), f"earthquake/{q.event.report_id}", q.event) for q in new]
    await announce_many(session, outbox, events)
    return Ingested(new, len(quakes) - len(new))
