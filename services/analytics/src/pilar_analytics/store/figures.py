"""The counted figures as the indicators read them: each kept per day (``store.snapshots``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.regions import RowLevel
from pilar_analytics.store import activity, cases, psks
from pilar_analytics.store.snapshots import Counts, counted
from pilar_analytics.store.stats import Ranked, kept_order_statistics

SERVICE_MARGIN = 100  # per region of a figure: a day verifies few PSM in one region


async def psks_counts(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> psks.Counts:
    """Active and certified PSKS per region one level down and type."""

    async def figure(moment: datetime, since: datetime | None) -> Counts:
        found = await psks.psks_counts(session, moment, region, level, since=since)
        return {(w, k, i): n for (w, k), pair in found.items() for i, n in enumerate(pair) if n}

    out: psks.Counts = defaultdict(lambda: [0, 0])
    found = await counted(session, f"psks:{level}", region, at, figure)
    for (where, kind, index), n in found.items():
        out[(where, kind)][index] += n
    return dict(out)


async def open_cases(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> list[tuple[str, str, str, int]]:
    """Open cases per region one level down, PMKS category and stage."""

    async def figure(moment: datetime, since: datetime | None) -> Counts:
        found = await cases.open_cases(session, moment, region, level, since)
        return {(w, c, s): n for w, c, s, n in found}

    found = await counted(session, f"cases:{level}", region, at, figure)
    return [(w, c, s, n) for (w, c, s), n in found.items()]


async def funnel(session: AsyncSession, at: datetime, region: str) -> dict[str, int]:
    """The referral funnel: made, accepted, declined, ... by ``at``."""

    async def figure(moment: datetime, since: datetime | None) -> Counts:
        found = await cases.funnel(session, moment, region, since)
        return {(step,): n for step, n in found.items()}

    found = await counted(session, "funnel", region, at, figure)
    return {step: found.get((step,), 0) for step in cases.FUNNEL}


async def open_per_region(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> dict[str, int]:
    """Open cases per region one level down."""
    return await _per_region(session, "open", cases.open_per_region, at, region, level)


async def active_psm(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> dict[str, int]:
    """Active PSM per region one level down."""
    return await _per_region(session, "psm", activity.active_psm, at, region, level)


async def completed_by_psm(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> dict[str, int]:
    """Referrals completed by ``at`` that had gone to a PSM, per region."""
    return await _per_region(session, "psm-done", activity.completed_by_psm, at, region, level)


PerRegion = Callable[
    [AsyncSession, datetime, str, RowLevel, datetime | None], Awaitable[dict[str, int]]
]
"""A store query of a count per region: ``query(session, at, region, level, since)``."""


async def _per_region(
    session: AsyncSession,
    name: str,
    query: PerRegion,
    at: datetime,
    region: str,
    level: RowLevel,
) -> dict[str, int]:
    """A count per region one level down, kept as counts keyed by one code."""

    async def figure(moment: datetime, since: datetime | None) -> Counts:
        found = await query(session, moment, region, level, since)
        return {(where,): n for where, n in found.items()}

    found = await counted(session, f"{name}:{level}", region, at, figure)
    return {where: n for (where,), n in found.items()}


async def durations(session: AsyncSession, at: datetime, region: str, step: str) -> Ranked:
    """Order statistics of the hours from referral to ``accept`` or ``complete``."""
    ranking = cases.durations(region, step)
    return await kept_order_statistics(session, f"hours:{step}", region, at, ranking)


async def service_start(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> Ranked:
    """Median moment (POSIX seconds) active PSM were verified, per region one level down."""
    ranking = activity.service_starts(region, level)
    name = f"service:{level}"
    return await kept_order_statistics(session, name, region, at, ranking, (50,), SERVICE_MARGIN)
