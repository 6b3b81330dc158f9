"""Domain metrics of the cases service. Labels stay bounded: province at most, never an id."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


def province_of(region: str) -> str:
    """The province label of a region code ("00" for national)."""
    return region[:2] if region else "00"


class CasesMetrics:
    """Counters of case lifecycles, disasters, victim registration and BMKG ingestion."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.stage_changes = Counter(
            "pilar_cases_stage_changes_total",
            "Case-management stage changes, by stage entered",
            ["stage"],
            registry=registry,
        )
        self.assessed = Counter(
            "pilar_cases_assessed_total",
            "Case assessments, by risk level",
            ["risk_level"],
            registry=registry,
        )
        self.consent = Counter(
            "pilar_cases_consent_decisions_total",
            "Consent decisions recorded after intake",
            ["decision"],
            registry=registry,
        )
        self.closed = Counter(
            "pilar_cases_closed_total", "Cases closed, by province", ["province"], registry=registry
        )
        self.disasters = Counter(
            "pilar_cases_disasters_declared_total",
            "Disaster declarations recorded, by province and BNPB hazard code",
            ["province", "hazard"],
            registry=registry,
        )
        self.disaster_status = Counter(
            "pilar_cases_disaster_status_changes_total",
            "Disaster emergency status changes, by status entered",
            ["status"],
            registry=registry,
        )
        self.victims = Counter(
            "pilar_cases_victims_total",
            "Rows of bulk victim registration, by outcome (registered, existing, rejected)",
            ["outcome"],
            registry=registry,
        )
        self.victim_chunk_seconds = Histogram(
            "pilar_cases_victim_chunk_seconds",
            "Time to register one chunk of victims in one transaction",
            registry=registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.earthquakes = Counter(
            "pilar_cases_earthquakes_total",
            "Earthquake reports ingested from a BMKG-format feed, by outcome (new, duplicate)",
            ["outcome"],
            registry=registry,
        )
        self.referrals_sent = Counter(
            "pilar_cases_referrals_sent_total",
            "Referrals sent over the API (first or after a decline), by recipient kind",
            ["to_kind"],
            registry=registry,
        )
        self.feed_failures = Counter(
            "pilar_cases_bmkg_feed_failures_total",
            "BMKG feed reads that failed, by reason (unreachable, malformed)",
            ["reason"],
            registry=registry,
        )
