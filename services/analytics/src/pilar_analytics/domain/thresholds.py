"""When a region's coverage crosses the target: announce a fall once, note a recovery. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pilar_analytics.domain.indicators import below_target

INDICATOR = "coverage_ratio"


@dataclass(frozen=True)
class Crossing:
    """A region whose coverage went below target (``announce``) or came back above it."""

    region: str
    ratio: float | None
    below: bool

    @property
    def announce(self) -> bool:
        """Only a fall below target is announced; a recovery re-arms the alert silently."""
        return self.below


def crossings(
    ratios: Mapping[str, float | None], was_below: Mapping[str, bool], target: float
) -> list[Crossing]:
    """The regions whose side of the target changed since the last look, by region code.

    A region missing from ``ratios`` has no open case any more, so it is not below target.
    """
    found = []
    for region in sorted(set(ratios) | set(was_below)):
        ratio = ratios.get(region)
        below = below_target(ratio, target)
        if below != was_below.get(region, False):
            found.append(Crossing(region, ratio, below))
    return found
