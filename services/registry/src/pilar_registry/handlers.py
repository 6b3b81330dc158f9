"""Registry consumers: the referral load of each person, from cases' events."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.consumers import REGISTRY_CASES
from pilar_contracts.events.cases import ReferralAccepted, ReferralCompleted
from pilar_kit.consumer import Delivery, EventRouter
from pilar_registry.usecases import load

cases_events = EventRouter(REGISTRY_CASES)


@cases_events.on(ReferralAccepted)
async def on_referral_accepted(
    event: ReferralAccepted, delivery: Delivery, session: AsyncSession
) -> None:
    """The person now carries one more referral."""
    await load.referral_accepted(
        session, referral_id=event.referral_id, volunteer_id=event.by_id, at=delivery.envelope.time
    )


@cases_events.on(ReferralCompleted)
async def on_referral_completed(
    event: ReferralCompleted, delivery: Delivery, session: AsyncSession
) -> None:
    """The referral is done: its capacity is free again."""
    await load.referral_closed(session, referral_id=event.referral_id)
