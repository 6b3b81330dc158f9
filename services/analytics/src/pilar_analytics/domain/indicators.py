"""Indicators: percentiles, the PSKS:PMKS coverage ratio and its ranking, rates. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

MEDIAN, P90 = 50, 90  # percentiles, as whole percents so that ranks are exact integers


def rank_bounds(count: int, percent: int) -> tuple[int, int, float]:
    """The 1-based ranks around a percentile of ``count`` sorted values, and the upper's weight.

    Linear interpolation between the closest ranks (the "linear" method of NumPy and of
    PostgreSQL's ``percentile_cont``), in integers so that SQL can name the same ranks and a
    store fetches only the values it needs: low = floor((n-1)p/100), high = ceil((n-1)p/100).
    """
    if count < 1:
        raise ValueError("no values")
    scaled = (count - 1) * percent
    low, high = scaled // 100, -(-scaled // 100)
    return low + 1, high + 1, (scaled % 100) / 100


def quantile(values_by_rank: Mapping[int, float], count: int, percent: int) -> float | None:
    """A percentile from the values at the ranks ``rank_bounds`` names (None when no values)."""
    if count < 1:
        return None
    low, high, weight = rank_bounds(count, percent)
    below, above = values_by_rank[low], values_by_rank[high]
    return below + (above - below) * weight


def percentile(values: Sequence[float], percent: int) -> float | None:
    """A percentile of unsorted values by linear interpolation (None when there are none)."""
    ordered = sorted(values)
    return quantile(dict(enumerate(ordered, start=1)), len(ordered), percent)


def coverage_ratio(psks_active: int, pmks_open: int) -> float | None:
    """PSKS active per open PMKS case; None when no case is open (nothing to cover)."""
    return psks_active / pmks_open if pmks_open else None


def below_target(ratio: float | None, target: float) -> bool:
    """A region is below target when it has open cases and too few PSKS for them."""
    return ratio is not None and ratio < target


def per(numerator: int, denominator: int) -> float | None:
    """A rate, None when the denominator is zero."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Coverage:
    """The coverage figures of one region."""

    region: str
    psks_active: int
    psks_certified: int
    pmks_open: int

    @property
    def ratio(self) -> float | None:
        """PSKS active per open PMKS case."""
        return coverage_ratio(self.psks_active, self.pmks_open)


def worst_first(rows: Sequence[Coverage], target: float) -> list[Coverage]:
    """Below target first, then by ratio ascending; regions without open cases last."""

    def key(row: Coverage) -> tuple[bool, bool, float, str]:
        ratio = row.ratio
        return (
            not below_target(ratio, target),
            ratio is None,
            ratio if ratio is not None else 0.0,
            row.region,
        )

    return sorted(rows, key=key)


def unavailable_at(changes: Sequence[tuple[object, str, datetime, datetime]], at: datetime) -> int:
    """People counted by ``at`` whose latest availability by then is not ``active``.

    ``changes`` are (person, status, changed at, counted from); at equal times any status that
    is not ``active`` wins, as in the store's query.
    """
    latest: dict[object, tuple[datetime, bool]] = {}
    for person, status, changed, since in changes:
        if changed > at or since > at:
            continue
        away = status != "active"
        seen = latest.get(person)
        if seen is None or changed > seen[0] or (changed == seen[0] and away):
            latest[person] = (changed, away)
    return sum(away for _, away in latest.values())
