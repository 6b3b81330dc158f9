"""Earthquake reports kept once per BMKG event, for operators to consider."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain.earthquakes import Quake
from pilar_cases.store.tables import EarthquakeRow


async def known_reports(session: AsyncSession, report_ids: Collection[UUID]) -> set[UUID]:
    """Which of these reports were ingested before."""
    if not report_ids:
        return set()
    query = select(EarthquakeRow.report_id).where(EarthquakeRow.report_id.in_(list(report_ids)))
    return set((await session.execute(query)).scalars())


async def add_reports(session: AsyncSession, quakes: list[Quake], now: datetime) -> None:
    """Insert new reports in one statement."""
    if not quakes:
        return
    rows = [
        {
            "report_id": q.event.report_id,
            "occurred_at": q.event.occurred_at,
            "latitude": q.event.latitude,
            "longitude": q.event.longitude,
            "magnitude": q.event.magnitude,
            "depth_km": q.event.depth_km,
            "tsunami_potential": q.event.tsunami_potential,
            "felt": q.event.felt,
            "area": q.area,
            "ingested_at": now,
        }
        for q in quakes
    ]
    await session.execute(insert(EarthquakeRow), rows)


async def recent_reports(
    session: AsyncSession, *, since: datetime | None, min_magnitude: float, limit: int
) -> list[EarthquakeRow]:
    """Reports of at least a magnitude, newest quake first."""
    query = (
        select(EarthquakeRow)
        .where(EarthquakeRow.magnitude >= min_magnitude)
        .order_by(EarthquakeRow.occurred_at.desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(EarthquakeRow.occurred_at >= since)
    return list((await session.execute(query)).scalars())
