"""Cases consumers: its replica of the registry."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases import store
from pilar_contracts.consumers import CASES_REGISTRY
from pilar_contracts.events.registry import VolunteerCertified
from pilar_kit.consumer import Delivery, EventRouter

registry_events = EventRouter(CASES_REGISTRY)


@registry_events.on(VolunteerCertified)
async def on_volunteer_certified(
    event: VolunteerCertified, delivery: Delivery, session: AsyncSession
) -> None:
    """Keep the certified pillar in the replica used for referral matching."""
    await store.replicate_certification(
        session,
        volunteer_id=event.volunteer_id,
        psks_type=event.psks_type,
        region=event.region,
        scheme=event.scheme,
        valid_until=event.valid_until,
        at=delivery.envelope.time,
    )
