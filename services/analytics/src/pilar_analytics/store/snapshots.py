"""Counted figures as of the start of a day, kept, so that a national figure reads few rows.

A figure as of ``at`` is its value at the start of that day (``boundary``, computed once and
kept) plus what the rows touched since then changed: the same query over those rows only, as of
``at`` minus as of the boundary. A row untouched since the boundary counts the same at both.
Dates in the figures (certificates' validity) are whole days, the same at both moments.

A kept figure is forgotten when an event from before its boundary is applied (``forget_since``):
the only kind of event that can change a figure as of a moment already passed. On PostgreSQL,
the epoch stops a figure computed while such an event was being applied from being kept; SQLite
needs none, as each transaction holds its one write lock from its BEGIN (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, FromClause, delete, select, union, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.store.tables import Base, SnapshotEpochRow, SnapshotRow

log = logging.getLogger("pilar.analytics.snapshots")
snapshots = Base.metadata.tables[SnapshotRow.__tablename__]
epochs = Base.metadata.tables[SnapshotEpochRow.__tablename__]

FIGURES = "figures"  # the session info key of the metrics figure reads are counted on
KEPT_DAYS = 7  # snapshots of older days are pruned daily; a figure as of one is counted anew
LAG = timedelta(minutes=10)  # a day's snapshot is kept only once the day is this old
SKEW = timedelta(minutes=5)  # how far the clocks of the service's processes may differ

Counts = dict[tuple[Any, ...], int]
Figure = Callable[[datetime, datetime | None], Awaitable[Counts]]
"""``figure(at, since)``: counts as of ``at``; with ``since`` (a day's start), of the rows
touched since (some touched just at it too: a superset only costs reading them)."""


def day_start(at: datetime) -> datetime:
    """The first moment of the UTC day of ``at``."""
    return datetime.combine(at.astimezone(UTC).date(), time.min, UTC)


def touched_since(table: Any, since: datetime) -> ColumnElement[bool]:
    """A row of ``table`` touched on the day that starts at ``since`` or later."""
    return table.c.touched_on >= since  # type: ignore[no-any-return]


def touched_rows(table: Any, since: datetime | None) -> FromClause:
    """``table``, or with ``since`` (a day's start) only its rows touched on that day or later."""
    return table if since is None else rows_where(table, touched_since(table, since))


def rows_where(table: Any, *conditions: ColumnElement[bool]) -> FromClause:
    """The rows of ``table`` that meet any of the conditions, each read by its own index.

    A materialized CTE, read first: the figure's query then cannot walk its covering index or a
    region's index over the whole table instead (as SQLite's planner does once analysed). The
    figure's query keeps to its region itself.
    """
    parts = [select(table).where(condition) for condition in conditions]
    found = parts[0] if len(parts) == 1 else union(*parts)
    return found.cte(f"moved_{table.name}").prefix_with("MATERIALIZED")


def keepable(at: datetime, now: datetime | None = None) -> datetime | None:
    """The boundary of ``at``'s day, if its snapshot may be kept by now."""
    boundary = day_start(at)
    return None if boundary > (now or datetime.now(UTC)) - LAG else boundary


async def counted(
    session: AsyncSession,
    name: str,
    region: str,
    at: datetime,
    figure: Figure,
    now: datetime | None = None,
) -> Counts:
    """``figure`` as of ``at``: the day's kept counts plus what the rows touched since moved."""
    boundary = keepable(at, now)
    if boundary is None:
        _count(session, name, "whole")
        return await figure(at, None)  # events from before it may still be on their way

    async def whole() -> Any:
        return [[list(key), n] for key, n in (await figure(boundary, None)).items()]

    base = {tuple(key): int(n) for key, n in await kept(session, name, region, boundary, whole)}
    if at == boundary:
        return base
    return _moved(base, await figure(at, boundary), await figure(boundary, boundary))


def _moved(base: Counts, now: Counts, then: Counts) -> Counts:
    """``base + now - then``, without the keys that come to nothing."""
    out = dict(base)
    for key, n in now.items():
        out[key] = out.get(key, 0) + n
    for key, n in then.items():
        out[key] = out.get(key, 0) - n
    return {key: n for key, n in out.items() if n}


async def kept(
    session: AsyncSession,
    name: str,
    region: str,
    boundary: datetime,
    whole: Callable[[], Awaitable[Any]],
) -> Any:
    """The JSON body kept of a figure at a boundary; computed by ``whole`` and kept if missing.

    It is not kept when snapshots were forgotten while it was computed.
    """
    query = select(snapshots.c.body).where(
        snapshots.c.figure == name, snapshots.c.region == region, snapshots.c.boundary == boundary
    )
    body = (await session.execute(query)).scalar_one_or_none()
    if body is not None:
        _count(session, name, "kept")
        return body
    serialised = _serialised(session)
    before = None if serialised else await _epoch(session)
    body = await whole()
    row = {"figure": name, "region": region, "boundary": boundary, "body": body}
    outcome = "not_kept"
    try:
        async with session.begin_nested():  # a snapshot not kept is computed again next time
            # on PostgreSQL, a writer that would forget snapshots now waits for our commit
            if serialised or await _epoch(session, share=True) == before:
                await session.execute(_insert_once(session), row)
                outcome = "computed"
    except DBAPIError:  # PostgreSQL, repeatable read: the epoch moved since the reading began
        log.info("figure %s not kept: snapshots were forgotten meanwhile", name)
    _count(session, name, outcome)
    return body


def _count(session: AsyncSession, name: str, outcome: str) -> None:
    """Count a figure read on the session's metrics, if it carries them."""
    metrics = _metrics(session)
    if metrics is not None:
        metrics.count(name, outcome)


def _metrics(session: AsyncSession) -> Any:
    """The figure metrics the session carries (None in sessions built without them)."""
    return session.info.get(FIGURES)


def _insert_once(session: AsyncSession) -> Any:
    """An insert that leaves a snapshot another request kept first."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(snapshots).on_conflict_do_nothing()


def _serialised(session: AsyncSession) -> bool:
    """Whether no writer can commit while this transaction runs (SQLite: BEGIN IMMEDIATE)."""
    return session.get_bind().dialect.name == "sqlite"


async def _epoch(session: AsyncSession, *, share: bool = False) -> int | None:
    """The epoch now; with ``share``, held until this transaction ends (PostgreSQL)."""
    query = select(epochs.c.epoch).where(epochs.c.id == 1)
    if share:
        query = query.with_for_update(read=True)
    return (await session.execute(query)).scalar_one_or_none()


async def forget_since(
    session: AsyncSession, moments: Iterable[datetime], now: datetime | None = None
) -> None:
    """Forget the snapshots that events from ``moments`` may change (in the events' transaction).

    Snapshots are kept only of boundaries at least ``LAG`` in the past by their reader's clock,
    so events later than the newest such boundary (by this clock, less ``SKEW``) change none.
    """
    earliest = min(moments, default=None)
    newest = day_start((now or datetime.now(UTC)) - (LAG - SKEW))
    if earliest is None or earliest > newest:
        return
    if not _serialised(session):
        # a statement of its own: it waits for a reader keeping a snapshot to commit, and only
        # then does the DELETE begin, with a view of the database that holds that snapshot
        bump = update(epochs).where(epochs.c.id == 1).values(epoch=epochs.c.epoch + 1)
        await session.execute(bump)
    await session.execute(delete(snapshots).where(snapshots.c.boundary >= earliest))
    metrics = _metrics(session)
    if metrics is not None:
        metrics.forgotten.inc()


async def prune(session: AsyncSession, now: datetime | None = None) -> int:
    """Drop the snapshots of days more than ``KEPT_DAYS`` ago; return how many went."""
    oldest = day_start(now or datetime.now(UTC)) - timedelta(days=KEPT_DAYS)
    result = await session.execute(delete(snapshots).where(snapshots.c.boundary < oldest))
    return int(getattr(result, "rowcount", 0) or 0)
