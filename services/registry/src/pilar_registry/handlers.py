"""Registry consumers: referral load from cases' referral events, Tagana call-out on disasters."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.consumers import REGISTRY_CASES
from pilar_contracts.events.cases import (
    CaseReferred,
    DisasterDeclared,
    DisasterStatusChanged,
    ReferralAccepted,
    ReferralCompleted,
    ReferralDeclined,
    ReferralExpired,
    ReferralWithdrawn,
)
from pilar_kit.consumer import Delivery, EventRouter
from pilar_kit.outbox import Outbox
from pilar_registry.domain.load import ReferralState
from pilar_registry.metrics import UNREGISTERED, RegistryMetrics
from pilar_registry.settings import RegistrySettings
from pilar_registry.store import outbox
from pilar_registry.usecases import deployments, load

cases_events = EventRouter(REGISTRY_CASES)


@dataclass
class Wiring:
    """What the handlers take from the composition root (the kit hands them only a session)."""

    outbox: Outbox = field(default_factory=lambda: Outbox(outbox))
    callout_minimum: int = RegistrySettings.model_fields["callout_minimum"].default
    metrics: RegistryMetrics = UNREGISTERED


wiring = Wiring()


def wire(runtime_outbox: Outbox, settings: RegistrySettings, metrics: RegistryMetrics) -> None:
    """Stage through the runtime's outbox (its commits wake the relay), with its settings."""
    wiring.outbox, wiring.callout_minimum = runtime_outbox, settings.callout_minimum
    wiring.metrics = metrics


@cases_events.on(CaseReferred)
async def on_case_referred(event: CaseReferred, delivery: Delivery, session: AsyncSession) -> None:
    """A referral now waits on the pillar: it holds room for it until it answers."""
    await _seen(session, event.referral_id, event.to_id, ReferralState.PENDING, delivery)


@cases_events.on(ReferralAccepted)
async def on_referral_accepted(
    event: ReferralAccepted, delivery: Delivery, session: AsyncSession
) -> None:
    """The pillar carries the referral until it completes."""
    await _seen(session, event.referral_id, event.by_id, ReferralState.ACCEPTED, delivery)


@cases_events.on(ReferralDeclined)
async def on_referral_declined(
    event: ReferralDeclined, delivery: Delivery, session: AsyncSession
) -> None:
    """A declined referral weighs nothing."""
    await _seen(session, event.referral_id, event.by_id, ReferralState.CLOSED, delivery)


@cases_events.on(ReferralExpired)
@cases_events.on(ReferralWithdrawn)
async def on_referral_ended_unanswered(
    event: ReferralExpired | ReferralWithdrawn, delivery: Delivery, session: AsyncSession
) -> None:
    """A referral past its deadline, or called back by the case side, weighs nothing."""
    await _seen(session, event.referral_id, event.to_id, ReferralState.CLOSED, delivery)


@cases_events.on(ReferralCompleted)
async def on_referral_completed(
    event: ReferralCompleted, delivery: Delivery, session: AsyncSession
) -> None:
    """The referral is done: its capacity is free again."""
    await _seen(session, event.referral_id, None, ReferralState.CLOSED, delivery)


async def _seen(
    session: AsyncSession,
    referral_id: UUID,
    holder_id: UUID | None,
    state: ReferralState,
    delivery: Delivery,
) -> None:
    await load.referral_seen(
        session,
        referral_id=referral_id,
        holder_id=holder_id,
        state=state,
        at=delivery.envelope.time,
    )
    wiring.metrics.referral_events.labels(state=state.value).inc()


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
