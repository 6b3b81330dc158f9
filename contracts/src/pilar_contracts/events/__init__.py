"""The v1 event catalogue: every event type by its CloudEvents ``type``."""

from __future__ import annotations

from pilar_contracts.envelope import Event
from pilar_contracts.events import analytics, cases, notifications, registry

ALL_EVENTS: tuple[type[Event], ...] = (
    *registry.EVENTS,
    *cases.EVENTS,
    *notifications.EVENTS,
    *analytics.EVENTS,
)
CATALOGUE: dict[str, type[Event]] = {e.kind.type_name: e for e in ALL_EVENTS}
SOURCES: dict[str, str] = {
    "registry": registry.SOURCE,
    "cases": cases.SOURCE,
    "notifications": notifications.SOURCE,
    "analytics": analytics.SOURCE,
}


def event_class(type_name: str) -> type[Event]:
    """Return the event model for a CloudEvents ``type``; raise KeyError when unknown."""
    try:
        return CATALOGUE[type_name]
    except KeyError:
        raise KeyError(f"unknown event type {type_name!r}") from None


__all__ = ["ALL_EVENTS", "CATALOGUE", "SOURCES", "event_class"]
