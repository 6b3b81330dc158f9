"""Notifications consumers: the recipient directory and the events that notify someone."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

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
    ReferralWithdrawn,
)
from pilar_contracts.events.registry import (
    AccreditationExpiring,
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


@contacts.on_many(ContactChanged)
async def on_contacts_changed(
    items: Sequence[tuple[ContactChanged, Delivery]], session: AsyncSession
) -> None:
    """Keep the recipient directory current."""
    await usecases.save_contacts(session, [(e, delivery.envelope.time) for e, delivery in items])


PersonEvent = (
    VolunteerCertified
    | VolunteerDeployed
    | CertificationExpiring
    | CertificationExpired
    | AccreditationExpiring
)


@registry_events.on_many(VolunteerCertified)
@registry_events.on_many(VolunteerDeployed)
@registry_events.on_many(CertificationExpiring)
@registry_events.on_many(CertificationExpired)
@registry_events.on_many(AccreditationExpiring)
async def on_person_events(
    items: Sequence[tuple[PersonEvent, Delivery]], session: AsyncSession
) -> None:
    """Notify the people a run of registry events is about, by the rules of their type.

    A call-out arrives as thousands of VolunteerDeployed: one insert per run, not per event.
    """
    for _, run in groupby(items, key=lambda item: type(item[0])):
        causes = [usecases.Cause(event, delivery.envelope) for event, delivery in run]
        for rule in rules_for(type(causes[0].event)):
            await usecases.enqueue_many(session, rule, causes)


@case_events.on(CaseOpened)
async def on_case_opened(event: CaseOpened, delivery: Delivery, session: AsyncSession) -> None:
    """Remember the codes of a case, to word its referrals without client data."""
    await usecases.save_case_facts(session, event)


@case_events.on(CaseReferred)
@case_events.on(ReferralDeclined)
@case_events.on(ReferralExpired)
@case_events.on(ReferralWithdrawn)
async def on_referral_event(
    event: CaseReferred | ReferralDeclined | ReferralExpired | ReferralWithdrawn,
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
