"""The call-out gauges: one series per province with open disasters, gone once they close."""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry

from pilar_analytics.domain.callouts import Callout
from pilar_analytics.metrics import AnalyticsMetrics


def sample(registry: CollectorRegistry, name: str, province: str) -> float | None:
    """The value of a gauge's series for a province (None when there is no such series)."""
    return registry.get_sample_value(name, {"province": province})


def test_callout_gauges_follow_the_provinces_with_open_disasters() -> None:
    registry = CollectorRegistry()
    metrics = AnalyticsMetrics(registry)
    metrics.show_callouts(
        {
            "33": Callout(disasters=2, deployed=5, acknowledged=3, minutes_to_first_deployment=20),
            "35": Callout(disasters=1),
        }
    )
    assert sample(registry, "pilar_analytics_disasters_open", "33") == 2
    assert sample(registry, "pilar_analytics_callout_volunteers_deployed", "33") == 5
    assert sample(registry, "pilar_analytics_callout_volunteers_acknowledged", "33") == 3
    assert sample(registry, "pilar_analytics_callout_first_deployment_minutes", "33") == 20
    waiting = sample(registry, "pilar_analytics_callout_first_deployment_minutes", "35")
    assert waiting is not None
    assert math.isnan(waiting)  # nobody deployed yet
    metrics.show_callouts({"35": Callout(disasters=1, deployed=1)})
    assert sample(registry, "pilar_analytics_disasters_open", "33") is None  # all closed
    assert sample(registry, "pilar_analytics_callout_volunteers_deployed", "35") == 1
