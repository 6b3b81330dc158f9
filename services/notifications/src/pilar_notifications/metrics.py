"""What ops watch: attempts and outcomes by channel and reason, queue depth, end-to-end delay.

Labels stay bounded: channel (a handful), reason (``channels.REASONS``), lane (urgent, routine).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from pilar_notifications.channels import REASONS
from pilar_notifications.rules import Priority

OTHER = "other"
DELAY_BUCKETS = (0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600)


def reason_label(reason: str) -> str:
    """A reason as a label: one of the known set, else ``other``."""
    return reason if reason in REASONS else OTHER


def lane(priority: int) -> str:
    """The name of a priority lane."""
    return Priority(priority).name.lower()


class NotificationMetrics:
    """The notifications service's own metrics, registered once per registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.sent = Counter(
            "pilar_notifications_sent_total",
            "Attempts handed to a channel",
            ["channel"],
            registry=registry,
        )
        self.delivered = Counter(
            "pilar_notifications_delivered_total",
            "Notifications a channel accepted",
            ["channel"],
            registry=registry,
        )
        self.failed = Counter(
            "pilar_notifications_failed_total",
            "Attempts that failed, by channel and reason",
            ["channel", "reason"],
            registry=registry,
        )
        self.undeliverable = Counter(
            "pilar_notifications_undeliverable_total",
            "Notifications given up on every channel (NotificationFailed), by last reason",
            ["reason"],
            registry=registry,
        )
        self.queue_depth = Gauge(
            "pilar_notifications_queue_depth",
            "Pending notifications per priority lane, as of the dispatcher's last look",
            ["lane"],
            registry=registry,
        )
        self.delay = Histogram(
            "pilar_notifications_delivery_delay_seconds",
            "Time from the cause event to the channel accepting the notification",
            ["channel"],
            registry=registry,
            buckets=DELAY_BUCKETS,
        )

    def attempt_failed(self, channel: str, reason: str) -> None:
        """Count a failed attempt."""
        self.failed.labels(channel, reason_label(reason)).inc()


_REGISTERED: WeakKeyDictionary[CollectorRegistry, NotificationMetrics] = WeakKeyDictionary()


def metrics_for(registry: CollectorRegistry) -> NotificationMetrics:
    """The metrics registered in a registry, created the first time only (restarts reuse them)."""
    if registry not in _REGISTERED:
        _REGISTERED[registry] = NotificationMetrics(registry)
    return _REGISTERED[registry]
