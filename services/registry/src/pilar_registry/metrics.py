"""Domain metrics of the registry. Labels stay bounded: province at most, never an id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from prometheus_client import CollectorRegistry, Counter


class RegistryMetrics:
    """Counters of institutions, accreditations, trainings and the referral load."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.institutions = Counter(
            "pilar_registry_institutions_registered_total",
            "PSKS institutions registered, by type and province",
            ["psks_type", "province"],
            registry=registry,
        )
        self.accreditations = Counter(
            "pilar_registry_accreditations_total",
            "LKS accreditations recorded, by grade",
            ["grade"],
            registry=registry,
        )
        self.trainings = Counter(
            "pilar_registry_trainings_recorded_total",
            "Trainings recorded for PSKS people, by province",
            ["province"],
            registry=registry,
        )
        self.referral_events = Counter(
            "pilar_registry_referral_events_total",
            "Cases' referral events applied to the load, by the state they report",
            ["state"],
            registry=registry,
        )


UNREGISTERED = RegistryMetrics(CollectorRegistry())  # for handlers run outside a service


def metrics_of(request: Request) -> RegistryMetrics:
    """The metrics the composition root built for this app."""
    found = getattr(request.app.state, "registry_metrics", None)
    return found if isinstance(found, RegistryMetrics) else UNREGISTERED


MetricsDep = Annotated[RegistryMetrics, Depends(metrics_of)]
