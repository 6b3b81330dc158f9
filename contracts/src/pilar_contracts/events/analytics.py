"""Events published by the analytics service."""

from __future__ import annotations

from typing import ClassVar

from pilar_contracts.envelope import Event, EventKind
from pilar_contracts.events.fields import Code, RegionCode

SOURCE = "/pilar/analytics"


class IndicatorThresholdCrossed(Event):
    """An indicator of a region crossed its configured threshold."""

    kind: ClassVar[EventKind] = EventKind("analytics", "indicator", "threshold_crossed")
    indicator: Code
    region: RegionCode
    value: float
    threshold: float
    direction: Code = "below"


EVENTS: tuple[type[Event], ...] = (IndicatorThresholdCrossed,)
