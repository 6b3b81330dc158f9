"""Median and 90th percentile in the database: only the values at the needed ranks leave it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.indicators import MEDIAN, P90

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

    The ranks are those of ``rank_bounds``: floor and ceiling of (n-1)p/100, plus one.
    """
    part = partition if partition is not None else literal_column("0")
    ranked = (
        select(
            part.label("part"),
            value.label("value"),
            func.row_number().over(partition_by=part, order_by=value).label("rank"),
            func.count().over(partition_by=part).label("n"),
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
