"""Disaster response for the disasters that touch a region."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.api.schemas import DisasterPublic
from pilar_analytics.domain.regions import overlaps
from pilar_analytics.store.response import responses


async def disaster_rows(session: AsyncSession, at: datetime, region: str) -> list[DisasterPublic]:
    """Disasters declared by ``at`` with an affected region inside or around ``region``."""
    rows = []
    for found in await responses(session, at):
        if not any(overlaps(code, region) for code in found.regions or [""]):
            continue
        first = found.first_deployed_at
        minutes = None if first is None else (first - found.declared_at).total_seconds() / 60
        rows.append(
            DisasterPublic(
                disaster_id=str(found.disaster_id),
                hazard=found.hazard,
                status=found.status,
                regions=found.regions,
                declared_at=found.declared_at.isoformat(),
                minutes_to_first_deployment=minutes,
                volunteers_deployed=found.deployed,
                volunteers_acknowledged=found.acknowledged,
                notifications_delivered=found.delivered,
            )
        )
    return rows
