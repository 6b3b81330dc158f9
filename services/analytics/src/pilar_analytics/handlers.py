"""Analytics consumers: every public event updates the read models."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics import store
from pilar_contracts.consumers import ANALYTICS_REGISTRY
from pilar_contracts.events.registry import VolunteerCertified
from pilar_kit.consumer import Delivery, EventRouter

registry_events = EventRouter(ANALYTICS_REGISTRY)


@registry_events.on(VolunteerCertified)
async def on_volunteer_certified(
    event: VolunteerCertified, delivery: Delivery, session: AsyncSession
) -> None:
    """Count the volunteer as certified in their province."""
    await store.record_certified(
        session,
        volunteer_id=event.volunteer_id,
        region=event.region,
        psks_type=event.psks_type,
        at=delivery.envelope.time,
    )
