"""Notifications consumers: the recipient directory and the events that notify someone."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.consumers import (
    NOTIFICATIONS_CASES,
    NOTIFICATIONS_CONTACTS,
    NOTIFICATIONS_REGISTRY,
)
from pilar_contracts.events.cases import (
    CaseOpened,
    CaseReferred,
    DisasterDeclared,
    ReferralDeclined,
    ReferralExpired,
)
from pilar_contracts.events.registry import (
    CertificationExpired,
    CertificationExpiring,
    ContactChanged,
    VolunteerCertified,
    VolunteerDeployed,
)
from pilar_kit.consumer import Delivery, EventRouter
from pilar_notifications import usecases
from pilar_notifications.rules import rules_for

contacts = EventRouter(NOTIFICATIONS_CONTACTS)
registry_events = EventRouter(NOTIFICATIONS_REGISTRY)
case_events = EventRouter(NOTIFICATIONS_CASES)


@contacts.on(ContactChanged)
async def on_contact_changed(
    event: ContactChanged, delivery: Delivery, session: AsyncSession
) -> None:
    """Keep the recipient directory current."""
    await usecases.save_contact(session, event, delivery.envelope.time)


@registry_events.on(VolunteerCertified)
@registry_events.on(VolunteerDeployed)
@registry_events.on(CertificationExpiring)
@registry_events.on(CertificationExpired)
async def on_person_event(
    event: VolunteerCertified | VolunteerDeployed | CertificationExpiring | CertificationExpired,
    delivery: Delivery,
    session: AsyncSession,
) -> None:
    """Notify the person a registry event is about, by the rules of its type."""
    for rule in rules_for(type(event)):
        await usecases.enqueue(session, rule, event, delivery.envelope)


@case_events.on(CaseOpened)
async def on_case_opened(event: CaseOpened, delivery: Delivery, session: AsyncSession) -> None:
    """Remember the codes of a case, to word its referrals without client data."""
    await usecases.save_case_facts(session, event)


@case_events.on(CaseReferred)
@case_events.on(ReferralDeclined)
@case_events.on(ReferralExpired)
async def on_referral_event(
    event: CaseReferred | ReferralDeclined | ReferralExpired,
    delivery: Delivery,
    session: AsyncSession,
) -> None:
    """Notify the referred pillar or the case owner, by the rules of the event's type."""
    case = await usecases.case_facts(session, event.case_id, delivery.envelope.region)
    for rule in rules_for(type(event)):
        await usecases.enqueue(session, rule, event, delivery.envelope, case)


@case_events.on(DisasterDeclared)
async def on_disaster_declared(
    event: DisasterDeclared, delivery: Delivery, session: AsyncSession
) -> None:
    """Alert the operators and the subscribed ministry systems of the affected regions."""
    for rule in rules_for(DisasterDeclared):
        await usecases.enqueue(session, rule, event, delivery.envelope)
