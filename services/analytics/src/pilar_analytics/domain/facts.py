"""What an event does to the read models, as data: folds into records and event-dated rows.

A ``Fold`` merges one event into the current row of a record. Folds commute: timestamps keep the
earliest (or latest) value, attributes come from the one event that owns them and others only
fill gaps. So duplicated and reordered deliveries converge on the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from pilar_analytics.domain.regions import prefix

Row = dict[str, Any]
Fold = Callable[[Row], Row]


@dataclass(frozen=True)
class Fact:
    """One event's effect on one record (``entity`` row keyed by ``key``)."""

    entity: str
    key: UUID
    fold: Fold


@dataclass(frozen=True)
class Record:
    """An event-dated row kept as it came (status changes, accreditations, ...)."""

    entity: str
    row: Row = field(hash=False)


Effect = Fact | Record


def earliest(row: Row, column: str, at: datetime | None) -> Row:
    """Keep the earliest of the row's time and ``at``."""
    current = row.get(column)
    if at is not None and (current is None or at < current):
        row[column] = at
    return row


def fill(row: Row, **values: Any) -> Row:
    """Set the columns that are still empty."""
    for column, value in values.items():
        if row.get(column) is None:
            row[column] = value
    return row


def put(row: Row, **values: Any) -> Row:
    """Set columns from the event that owns them."""
    row.update(values)
    return row


def placed(region: str | None) -> Row:
    """The region columns of a row: the code and its province, regency and district."""
    return {
        "region": region or None,
        "province": prefix(region, "province"),
        "regency": prefix(region, "regency"),
        "district": prefix(region, "district"),
    }


def first_end(row: Row, at: datetime, reason: str) -> Row:
    """Keep the earliest end of a record with its reason (ties broken by the reason's name)."""
    ended = row.get("ended_at")
    if ended is None or (at, reason) < (ended, row.get("end_reason") or ""):
        row["ended_at"], row["end_reason"] = at, reason
    return row


def hours_between(start: datetime | None, end: datetime | None) -> float | None:
    """Hours from ``start`` to ``end`` when both are known."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


@dataclass(frozen=True)
class Seen:
    """What the envelope tells of an event: its id, its time and the region of its record."""

    event_id: UUID
    at: datetime
    region: str


FactsOf = Callable[[Any, Seen], list[Effect]]
"""The effects of one event type: ``facts(event, seen)``."""


def no_figure(_: object, __: Seen) -> list[Effect]:
    """An event that moves no indicator: heard, and deliberately left out of the read models."""
    return []
