"""Notifications events as facts: one record per notification, delivered or failed. Pure."""

from __future__ import annotations

from pilar_analytics.domain.facts import (
    Effect,
    Fact,
    FactsOf,
    Row,
    Seen,
    earliest,
    fill,
    placed,
    put,
)
from pilar_contracts import Event
from pilar_contracts.events import notifications as ev

NOTIFICATIONS = "notifications"


def _delivered(e: ev.NotificationDelivered, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        fill(
            row, cause_event_id=e.cause_event_id, recipient_id=e.recipient_id, **placed(seen.region)
        )
        put(row, channel=e.channel.value, attempts=e.attempts)
        return earliest(row, "delivered_at", seen.at)

    return [Fact(NOTIFICATIONS, e.notification_id, fold)]


def _failed(e: ev.NotificationFailed, seen: Seen) -> list[Effect]:
    def fold(row: Row) -> Row:
        fill(
            row, cause_event_id=e.cause_event_id, recipient_id=e.recipient_id, **placed(seen.region)
        )
        put(row, reason_code=e.reason_code)
        return earliest(row, "failed_at", seen.at)

    return [Fact(NOTIFICATIONS, e.notification_id, fold)]


FACTS: dict[type[Event], FactsOf] = {
    ev.NotificationDelivered: _delivered,
    ev.NotificationFailed: _failed,
}
"""What each notifications event does to the read models."""
