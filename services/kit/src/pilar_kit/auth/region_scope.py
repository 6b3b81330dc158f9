"""Region scoping of SQL queries, so that every service filters by authority the same way."""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, false, or_, true

from pilar_kit.auth.principal import NATIONAL, Principal, Role, region_prefix


def region_filter(column: SQLColumnExpression[str], principal: Principal) -> ColumnElement[bool]:
    """Return a WHERE clause keeping rows whose region `column` lies within the principal's."""
    if principal.role is Role.PSKS:  # a PSKS sees what is addressed to it, never a region
        return false()
    return region_within(column, principal.region)


def region_within(column: SQLColumnExpression[str], code: str) -> ColumnElement[bool]:
    """Return a WHERE clause keeping rows whose region `column` lies within region `code`."""
    # Checked because callers pass codes from tokens and queries: digits and dots only, so
    # the LIKE pattern below cannot contain a wildcard other than the trailing one.
    prefix = region_prefix(code)
    if prefix == NATIONAL:
        return true()
    return or_(column == prefix, column.like(f"{prefix}.%"))
