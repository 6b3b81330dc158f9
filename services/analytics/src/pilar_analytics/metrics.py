"""Headline figures as Prometheus gauges; the finest label is the province (38 values)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge

from pilar_analytics.domain.callouts import Callout
from pilar_analytics.domain.indicators import Coverage
from pilar_analytics.store.cases import FUNNEL


class AnalyticsMetrics:
    """The business gauges of analytics, registered once on the service's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.coverage = Gauge(
            "pilar_analytics_coverage_ratio",
            "PSKS active per open PMKS case (NaN: no open case)",
            ["province"],
            registry=registry,
        )
        self.cases_open = Gauge(
            "pilar_analytics_cases_open", "Open PMKS cases", ["province"], registry=registry
        )
        self.psks_active = Gauge(
            "pilar_analytics_psks_active",
            "Active PSKS: verified available people and registered institutions",
            ["province"],
            registry=registry,
        )
        self.psks_certified = Gauge(
            "pilar_analytics_psks_certified",
            "Active PSKS holding a certification (or accreditation) in force",
            ["province"],
            registry=registry,
        )
        self.referrals = Gauge(
            "pilar_analytics_referrals",
            "Referrals made, and how many were accepted, declined, expired, completed",
            ["step"],
            registry=registry,
        )
        self.below_target = Gauge(
            "pilar_analytics_regions_below_target",
            "Provinces and regencies whose coverage is below target",
            registry=registry,
        )
        self._callout_gauges(registry)

    def _callout_gauges(self, registry: CollectorRegistry) -> None:
        """Call-outs per province: open disasters, deployed, acknowledged, time to deploy."""
        self.disasters_open = Gauge(
            "pilar_analytics_disasters_open",
            "Declared disasters not closed that affect the province",
            ["province"],
            registry=registry,
        )
        self.callout_deployed = Gauge(
            "pilar_analytics_callout_volunteers_deployed",
            "Volunteers deployed to the province's open disasters",
            ["province"],
            registry=registry,
        )
        self.callout_acknowledged = Gauge(
            "pilar_analytics_callout_volunteers_acknowledged",
            "Deployed volunteers who acknowledged, for the province's open disasters",
            ["province"],
            registry=registry,
        )
        self.callout_minutes = Gauge(
            "pilar_analytics_callout_first_deployment_minutes",
            "Minutes from declaration to first deployment of the province's latest open disaster"
            " (NaN: nobody deployed yet)",
            ["province"],
            registry=registry,
        )

    def show(self, provinces: Mapping[str, Coverage], funnel: Mapping[str, int]) -> None:
        """Set the gauges from the latest figures."""
        for code, row in provinces.items():
            ratio = row.ratio
            self.coverage.labels(code).set(math.nan if ratio is None else ratio)
            self.cases_open.labels(code).set(row.pmks_open)
            self.psks_active.labels(code).set(row.psks_active)
            self.psks_certified.labels(code).set(row.psks_certified)
        for step in FUNNEL:
            self.referrals.labels(step).set(funnel.get(step, 0))

    def show_callouts(self, provinces: Mapping[str, Callout]) -> None:
        """Set the call-out gauges; a province whose disasters all closed drops back to zero."""
        for gauge in self._callout_series():
            gauge.clear()
        for code, row in provinces.items():
            self.disasters_open.labels(code).set(row.disasters)
            self.callout_deployed.labels(code).set(row.deployed)
            self.callout_acknowledged.labels(code).set(row.acknowledged)
            minutes = row.minutes_to_first_deployment
            self.callout_minutes.labels(code).set(math.nan if minutes is None else minutes)

    def _callout_series(self) -> tuple[Gauge, ...]:
        return (
            self.disasters_open,
            self.callout_deployed,
            self.callout_acknowledged,
            self.callout_minutes,
        )


class FigureMetrics:
    """How figures were read: from a kept snapshot, computed whole, and snapshots forgotten."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.read = Counter(
            "pilar_analytics_figures",
            "Figure reads by kind of figure and outcome: kept (snapshot read), computed "
            "(counted whole and kept), not_kept (forgotten meanwhile), whole (day too young)",
            ["figure", "outcome"],
            registry=registry,
        )
        self.forgotten = Counter(
            "pilar_analytics_snapshots_forgotten",
            "Batches of events from before a kept day, which forgot the snapshots from then on",
            registry=registry,
        )

    def count(self, name: str, outcome: str) -> None:
        """Count a read of figure ``name`` (its kind only: the part before any ':')."""
        self.read.labels(name.partition(":")[0], outcome).inc()
