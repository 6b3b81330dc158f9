"""Median and 90th percentile in the database: only the values at the needed ranks leave it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.indicators import MEDIAN, P90, rank_bounds

Ranked = dict[Any, tuple[int, dict[int, Any]]]
"""Per partition: the number of values and the values at the needed ranks."""


async def order_statistics(
    session: AsyncSession,
    value: ColumnElement[Any],
    where: Sequence[ColumnElement[bool]],
    partition: ColumnElement[Any] | None = None,
    percents: Sequence[int] = (MEDIAN, P90),
) -> Ranked:
    """The values around each percentile of ``value``, per partition (one query, window functions).

    The ranks are those of ``rank_bounds``: floor and ceiling of (n-1)p/100, plus one. Without
    a partition the values are read at their offsets instead (``_whole``).
    """
    if partition is None:
        return await _whole(session, value, where, percents)
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
        wanted += [ranked.c.rank == scaled // 100 + 1, ranked.c.rank == (scaled + 99) // 100 + 1]
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
        if low in ranks and high in ranks:
            continue
        query = select(value).where(*where).order_by(value).offset(low - 1).limit(high - low + 1)
        found = (await session.execute(query)).scalars().all()
        ranks.update(zip(range(low, high + 1), found, strict=True))
    return {0: (count, ranks)}
