"""Median and 90th percentile in the database: only the values at the needed ranks leave it.

A kept percentile (``kept_order_statistics``) keeps the values around the needed ranks at the
start of the day, and moves them by the values of the rows touched since (``domain.ranks``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.indicators import MEDIAN, P90, rank_bounds
from pilar_analytics.domain.ranks import moved
from pilar_analytics.store.snapshots import keepable, kept

Ranked = dict[Any, tuple[int, dict[int, Any]]]
"""Per partition: the number of values and the values at the needed ranks."""

Ranking = Callable[
    [datetime, datetime | None],
    tuple[ColumnElement[Any], list[ColumnElement[bool]], ColumnElement[Any] | None],
]
"""``ranking(at, since)``: value, conditions and partition as of ``at`` (of rows touched since)."""

MARGIN = 500  # values kept either side of a needed rank: a day's moves rarely shift it further


async def order_statistics(
    session: AsyncSession,
    value: ColumnElement[Any],
    where: Sequence[ColumnElement[bool]],
    partition: ColumnElement[Any] | None = None,
    percents: Sequence[int] = (MEDIAN, P90),
    margin: int = 0,
) -> Ranked:
    """The values around each percentile of ``value``, per partition (one query, window functions).

    The ranks are those of ``rank_bounds``: floor and ceiling of (n-1)p/100, plus one, and
    ``margin`` more on either side. Without a partition the values are read at their offsets
    instead (``_whole``).
    """
    if partition is None:
        return await _whole(session, value, where, percents, margin)
    ranked = (
        select(
            partition.label("part"),
            value.label("value"),
            func.row_number().over(partition_by=partition, order_by=value).label("rank"),
            func.count().over(partition_by=partition).label("n"),
        )
        .where(*where)
        .subquery()
    )
    wanted = []
    for percent in percents:
        scaled = (ranked.c.n - 1) * percent
        low, high = scaled // 100 + 1 - margin, (scaled + 99) // 100 + 1 + margin
        wanted.append(ranked.c.rank.between(low, high))
    query = select(ranked.c.part, ranked.c.n, ranked.c.rank, ranked.c.value).where(or_(*wanted))
    out: dict[Any, tuple[int, dict[int, Any]]] = defaultdict(lambda: (0, {}))
    for part_value, count, rank, found in (await session.execute(query)).all():
        ranks = out[part_value][1]
        ranks[int(rank)] = found
        out[part_value] = (int(count), ranks)
    return dict(out)


async def _whole(
    session: AsyncSession,
    value: ColumnElement[Any],
    where: Sequence[ColumnElement[bool]],
    percents: Sequence[int],
    margin: int,
) -> Ranked:
    """The values around each percentile of one set: a count, then each pair at its offset.

    With an index that leads with ``value`` the offsets are read in index order, without the
    sort (and the buffered partition) that window functions need.
    """
    count = int((await session.execute(select(func.count()).where(*where))).scalar_one())
    if count == 0:
        return {}
    ranks: dict[int, Any] = {}
    for percent in percents:
        low, high, _ = rank_bounds(count, percent)
        low, high = max(1, low - margin), min(count, high + margin)
        if low in ranks and high in ranks:
            continue
        query = select(value).where(*where).order_by(value).offset(low - 1).limit(high - low + 1)
        found = (await session.execute(query)).scalars().all()
        ranks.update(zip(range(low, high + 1), found, strict=True))
    return {0: (count, ranks)}


async def kept_order_statistics(
    session: AsyncSession,
    name: str,
    region: str,
    at: datetime,
    ranking: Ranking,
    percents: Sequence[int] = (MEDIAN, P90),
    margin: int = MARGIN,
) -> Ranked:
    """``order_statistics`` as of ``at`` from the day's kept windows, moved by the touched rows.

    Values are numbers (a moment: its POSIX seconds). Where the moves shifted a needed rank out
    of its window, the figure is computed whole.
    """
    boundary = keepable(at)
    if boundary is None:
        return await _counted_whole(session, at, ranking, percents)

    async def whole() -> Any:
        found = await order_statistics(session, *ranking(boundary, None), percents, margin)
        return [[part, n, list(values.items())] for part, (n, values) in _numbers(found).items()]

    body = await kept(session, name, region, boundary, whole)
    base = {part: (n, {int(rank): v for rank, v in values}) for part, n, values in body}
    if at == boundary:
        return base
    out = await _values(session, *ranking(boundary, boundary))
    put = await _values(session, *ranking(at, boundary))
    found: Ranked = {}
    for part in base.keys() | put.keys():
        count, known = base.get(part, (0, {}))
        try:
            n, ranks = moved(count, known, out.get(part, []), put.get(part, []))
        except ValueError:  # a value that left was not there: count the figure whole
            return await _counted_whole(session, at, ranking, percents)
        if n and not _covers(n, ranks, percents):
            return await _counted_whole(session, at, ranking, percents)
        if n:
            found[part] = (n, ranks)
    return found


async def _counted_whole(
    session: AsyncSession, at: datetime, ranking: Ranking, percents: Sequence[int]
) -> Ranked:
    """The order statistics as of ``at`` over every row, as numbers."""
    return _numbers(await order_statistics(session, *ranking(at, None), percents))


def _covers(count: int, ranks: dict[int, float], percents: Sequence[int]) -> bool:
    """Whether the known ranks hold every rank the percentiles need."""
    needed = (rank for p in percents for rank in rank_bounds(count, p)[:2])
    return all(rank in ranks for rank in needed)


async def _values(
    session: AsyncSession,
    value: ColumnElement[Any],
    where: Sequence[ColumnElement[bool]],
    partition: ColumnElement[Any] | None,
) -> dict[Any, list[float]]:
    """Every value (as a number) per partition: of the few rows touched since a boundary."""
    part = literal(0) if partition is None else partition
    out: dict[Any, list[float]] = defaultdict(list)
    for key, found in (await session.execute(select(part, value).where(*where))).all():
        out[key].append(_number(found))
    return out


def _numbers(ranked: Ranked) -> Ranked:
    """The ranked values as numbers."""
    return {
        part: (n, {rank: _number(v) for rank, v in values.items()})
        for part, (n, values) in ranked.items()
    }


def _number(value: Any) -> float:
    """A value as a number: a moment as its POSIX seconds."""
    return value.timestamp() if isinstance(value, datetime) else float(value)
