"""Analytics consumers: every public event of registry, cases and notifications.

Each consumer registers the one batch handler ``project`` for all its event types, so a fetched
batch of mixed events is applied as one run: a read and a write per table touched.
"""

from __future__ import annotations

from pilar_analytics.domain import cases, notices, psks
from pilar_analytics.domain.facts import FactsOf
from pilar_analytics.projections import project
from pilar_contracts import Event
from pilar_contracts.consumers import ANALYTICS_CASES, ANALYTICS_NOTIFICATIONS, ANALYTICS_REGISTRY
from pilar_contracts.streams import ConsumerSpec
from pilar_kit.consumer import EventRouter


def _router(spec: ConsumerSpec, facts: dict[type[Event], FactsOf]) -> EventRouter:
    router = EventRouter(spec)
    for event_type in facts:
        router.on_many(event_type)(project)
    return router


registry_events = _router(ANALYTICS_REGISTRY, psks.FACTS)
case_events = _router(ANALYTICS_CASES, cases.FACTS)
notification_events = _router(ANALYTICS_NOTIFICATIONS, notices.FACTS)
ROUTERS = (registry_events, case_events, notification_events)
