"""Pilar public contracts: the CloudEvents envelope, v1 events, subjects and streams."""

from pilar_contracts.envelope import Envelope, EnvelopeError, Event, EventKind, Outgoing, wrap
from pilar_contracts.events import ALL_EVENTS, CATALOGUE, event_class

__all__ = [
    "ALL_EVENTS",
    "CATALOGUE",
    "Envelope",
    "EnvelopeError",
    "Event",
    "EventKind",
    "Outgoing",
    "event_class",
    "wrap",
]
