"""Daily series of one region's headline figures: rows counted per day, then summed up to each day.

Each series is a count of rows per UTC day of a moment, kept per day, so a trend costs about
what one point does; the last moment (now) bounds every count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.indicators import unavailable_at
from pilar_analytics.store.cases import cases, referrals
from pilar_analytics.store.psks import institutions, people, statuses
from pilar_analytics.store.scope import in_scope
from pilar_analytics.store.snapshots import Counts, counted, touched_rows
from pilar_kit.db import UtcDateTime


def _day(session: AsyncSession, moment: Any) -> Any:
    """The UTC day (YYYY-MM-DD) of a stored moment, on either database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", moment), "YYYY-MM-DD")
    return func.substr(moment, 1, 10)  # SQLite keeps UTC moments as ISO text


def _later(first: Any, second: Any) -> Any:
    """The later of two moments; unknown when either is."""
    later = case((first.is_(None) | second.is_(None), None), (second > first, second), else_=first)
    return type_coerce(later, UtcDateTime)  # binds and reads moments like the columns do


async def _by_day(
    session: AsyncSession,
    table: Any,
    region: str,
    moment: Callable[[Any], Any],
    moments: Sequence[datetime],
) -> list[int]:
    """Rows of a region whose ``moment`` had come by each of ``moments`` (ascending).

    Rows are counted per UTC day of their moment, those from before the first day as one count
    under "" (sorted first, counted for every point). The counts are kept per day, so only the
    rows touched today are counted again (``store.snapshots``). ``moment(rows)`` is a moment of
    the row's own (so on or before the day of its ``touched_on``).
    """
    start = datetime.combine(moments[0].date(), time.min, UTC)

    async def figure(at: datetime, since: datetime | None) -> Counts:
        rows = touched_rows(table, since)
        when = moment(rows)
        day = case((when < start, ""), else_=_day(session, when))
        query = (
            select(day, func.count())
            .where(when.is_not(None), when <= at, in_scope(rows, region))
            .group_by(day)
        )
        return {(str(d),): int(n) for d, n in (await session.execute(query)).all()}

    name = f"days:{table.name}:{moment.__name__}:{start.date().isoformat()}"
    found = await counted(session, name, region, moments[-1], figure)
    per_day = sorted((day, n) for (day,), n in found.items())
    out, total, index = [], 0, 0
    for at in moments:
        last_day = at.date().isoformat()
        while index < len(per_day) and per_day[index][0] <= last_day:
            total += per_day[index][1]
            index += 1
        out.append(total)
    return out


async def open_cases(session: AsyncSession, region: str, moments: Sequence[datetime]) -> list[int]:
    """Open cases of a region at each moment: opened by then minus closed by then."""
    opened = await _by_day(session, cases, region, _opened, moments)
    closed = await _by_day(session, cases, region, _closing, moments)
    return [o - c for o, c in zip(opened, closed, strict=True)]


def _opened(rows: Any) -> Any:
    return rows.c.opened_at


def _closing(rows: Any) -> Any:
    """A case counts as closed from its closing, and not before it was opened."""
    return _later(rows.c.opened_at, rows.c.closed_at)


def _completed(rows: Any) -> Any:
    return rows.c.completed_at


def _counted_from(rows: Any) -> Any:
    """A PSKS counts from its registration and verification both."""
    return _later(rows.c.registered_at, rows.c.verified_at)


async def completed(session: AsyncSession, region: str, moments: Sequence[datetime]) -> list[int]:
    """Referrals of a region completed by each moment."""
    return await _by_day(session, referrals, region, _completed, moments)


async def psks_active(session: AsyncSession, region: str, moments: Sequence[datetime]) -> list[int]:
    """Active PSKS people and institutions (registered, verified, open) of a region by moment."""
    total = [0] * len(moments)
    changes: list[tuple[Any, ...]] = []
    for table, key in (
        (people, people.c.volunteer_id),
        (institutions, institutions.c.institution_id),
    ):
        counted_from = _counted_from(table)
        counted = await _by_day(session, table, region, _counted_from, moments)
        total = [t + n for t, n in zip(total, counted, strict=True)]
        query = (
            select(statuses.c.volunteer_id, statuses.c.status, statuses.c.at, counted_from)
            .join(table, key == statuses.c.volunteer_id)
            .where(table.c.registered_at.is_not(None), table.c.verified_at.is_not(None))
            .where(in_scope(table, region))
        )
        changes += [tuple(row) for row in (await session.execute(query)).all()]
    return [n - unavailable_at(changes, at) for n, at in zip(total, moments, strict=True)]
