"""Pieces every indicator query shares: the scope of a region, grouping one level down, time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, or_, true

from pilar_analytics.domain.regions import RowLevel, level_of, prefix


def in_scope(table: FromClause, region: str) -> ColumnElement[bool]:
    """Rows within a region ("" national), by its province and the prefix column of its level.

    The province first: the figures' covering indexes lead with it.
    """
    level = level_of(region)
    if level is None:
        return true()
    province = table.c.province == prefix(region, "province")
    return province if level == "province" else and_(province, table.c[level] == region)


def group(table: FromClause, level: RowLevel) -> Any:
    """The column that names a row's region at the level of the rows shown."""
    return table.c[level]


def by(column: Any, at: datetime) -> ColumnElement[bool]:
    """The moment in ``column`` had come by ``at``."""
    return and_(column.is_not(None), column <= at)


def not_yet(column: Any, at: datetime) -> ColumnElement[bool]:
    """The moment in ``column`` had not come by ``at`` (or never)."""
    return or_(column.is_(None), column > at)
