"""Notifications consumers: the recipient directory and the events that notify someone."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.consumers import NOTIFICATIONS_CONTACTS, NOTIFICATIONS_REGISTRY
from pilar_contracts.events.registry import ContactChanged, VolunteerCertified
from pilar_kit.consumer import Delivery, EventRouter
from pilar_notifications import usecases
from pilar_notifications.rules import RULES

contacts = EventRouter(NOTIFICATIONS_CONTACTS)
registry_events = EventRouter(NOTIFICATIONS_REGISTRY)


@contacts.on(ContactChanged)
async def on_contact_changed(
    event: ContactChanged, delivery: Delivery, session: AsyncSession
) -> None:
    """Keep the recipient directory current."""
    await usecases.save_contact(session, event, delivery.envelope.time)


@registry_events.on(VolunteerCertified)
async def on_volunteer_certified(
    event: VolunteerCertified, delivery: Delivery, session: AsyncSession
) -> None:
    """Tell the volunteer their certification is recorded."""
    await usecases.enqueue(session, RULES[VolunteerCertified], event, delivery)
