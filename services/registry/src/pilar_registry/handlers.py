"""Registry consumers: referral load from cases' referral events, Tagana call-out on disasters."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.consumers import REGISTRY_CASES
from pilar_contracts.events.cases import (
    DisasterDeclared,
    DisasterStatusChanged,
    ReferralAccepted,
    ReferralCompleted,
)
from pilar_kit.consumer import Delivery, EventRouter
from pilar_kit.outbox import Outbox
from pilar_registry.settings import RegistrySettings
from pilar_registry.store import outbox
from pilar_registry.usecases import deployments, load

cases_events = EventRouter(REGISTRY_CASES)


@dataclass
class Wiring:
    """What the handlers take from the composition root (the kit hands them only a session)."""

    outbox: Outbox = field(default_factory=lambda: Outbox(outbox))
    callout_minimum: int = RegistrySettings.model_fields["callout_minimum"].default


wiring = Wiring()


def wire(runtime_outbox: Outbox, settings: RegistrySettings) -> None:
    """Stage through the runtime's outbox (its commits wake the relay), with its settings."""
    wiring.outbox, wiring.callout_minimum = runtime_outbox, settings.callout_minimum


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


@cases_events.on(DisasterDeclared)
async def on_disaster_declared(
    event: DisasterDeclared, delivery: Delivery, session: AsyncSession
) -> None:
    """Remember the declaration; in tanggap darurat, call the Tagana out."""
    await deployments.disaster_declared(
        session,
        wiring.outbox,
        disaster_id=event.disaster_id,
        status=event.status,
        affected_regions=event.affected_regions,
        declared_on=event.period.start,
        minimum=wiring.callout_minimum,
    )


@cases_events.on(DisasterStatusChanged)
async def on_disaster_status_changed(
    event: DisasterStatusChanged, delivery: Delivery, session: AsyncSession
) -> None:
    """Follow the stage; entering tanggap darurat calls the Tagana out, once."""
    await deployments.disaster_status_changed(
        session,
        wiring.outbox,
        disaster_id=event.disaster_id,
        status=event.to_status,
        on=delivery.envelope.time.date(),
        minimum=wiring.callout_minimum,
    )
