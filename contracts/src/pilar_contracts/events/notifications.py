"""Events published by the notifications service."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from pilar_contracts.envelope import Event, EventKind
from pilar_contracts.events.fields import Channel, ReasonCode

SOURCE = "/pilar/notifications"


class NotificationDelivered(Event):
    """A notification reached its recipient through a channel."""

    kind: ClassVar[EventKind] = EventKind("notifications", "notification", "delivered")
    notification_id: UUID
    cause_event_id: UUID
    recipient_id: UUID
    channel: Channel
    attempts: int = Field(ge=1)


class NotificationFailed(Event):
    """A notification could not be delivered through any channel."""

    kind: ClassVar[EventKind] = EventKind("notifications", "notification", "failed")
    notification_id: UUID
    cause_event_id: UUID
    recipient_id: UUID
    channels_tried: tuple[Channel, ...]
    reason_code: ReasonCode


EVENTS: tuple[type[Event], ...] = (NotificationDelivered, NotificationFailed)
