"""Prometheus metrics of the kit. Labels stay bounded: service, consumer, outcome; never ids."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class KitMetrics:
    """The outbox, inbox and dead-letter metrics of one service."""

    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        self.service = service
        self.outbox_published = Counter(
            "pilar_outbox_published_total",
            "Events the relay published and JetStream acknowledged",
            ["service"],
            registry=registry,
        ).labels(service)
        self.outbox_failures = Counter(
            "pilar_outbox_publish_failures_total",
            "Relay publish rounds that failed (NATS down or slow)",
            ["service"],
            registry=registry,
        ).labels(service)
        self.outbox_backlog = Gauge(
            "pilar_outbox_backlog",
            "Outbox rows not yet published, as of the relay's last round",
            ["service"],
            registry=registry,
        ).labels(service)
        self.outbox_lag = Histogram(
            "pilar_outbox_lag_seconds",
            "Time from staging an event to its PubAck",
            ["service"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        ).labels(service)
        self.consumed = Counter(
            "pilar_events_consumed_total",
            "Events handled by a durable consumer, by outcome",
            ["service", "consumer", "outcome"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "pilar_dead_letters_total",
            "Events sent to the dead-letter stream, by reason kind",
            ["service", "consumer", "reason"],
            registry=registry,
        )
        self.batch_seconds = Histogram(
            "pilar_consumer_batch_seconds",
            "Time to apply one fetched batch in one transaction",
            ["service", "consumer"],
            registry=registry,
        )

    def count(self, consumer: str, outcome: str, amount: int = 1) -> None:
        """Count consumed events of one outcome."""
        if amount:
            self.consumed.labels(self.service, consumer, outcome).inc(amount)
