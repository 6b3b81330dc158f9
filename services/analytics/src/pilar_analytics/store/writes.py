"""Applying facts: load the touched rows, fold the events in, write them back in few statements."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import Dialect, Table, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.facts import Effect, Fact, Fold, Record, Row
from pilar_analytics.store.snapshots import day_start
from pilar_analytics.store.tables import Base
from pilar_kit.db import UtcDateTime


def _insert(dialect: str) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _key(table: Table) -> str:
    (column,) = table.primary_key.columns
    return column.name


@functools.cache
def _statements(table: Table, dialect: str) -> tuple[Any, Any, Any]:
    """The read, upsert and insert-once statements of a table, built once (cached compiles)."""
    key = _key(table)
    read = select(table).where(_one_of(table.c[key], dialect))
    insert = _insert(dialect)(table)
    merged = {c.name: insert.excluded[c.name] for c in table.columns if c.name != key}
    upsert = insert.on_conflict_do_update(index_elements=[key], set_=merged)
    return read, upsert, _insert(dialect)(table).on_conflict_do_nothing()


def _one_of(column: Any, dialect: str) -> Any:
    """``column`` is one of the ``keys`` parameter's values.

    The keys travel as one parameter (an array on PostgreSQL, JSON on SQLite): the statement's
    text is the same for any number of keys, so it is not rendered for each batch's number of
    keys, and on PostgreSQL it is prepared once per connection instead of planned every batch.
    """
    if dialect == "postgresql":
        return column == any_(bindparam("keys", type_=postgresql.ARRAY(column.type)))
    listed: Any = select(literal_column("value")).select_from(func.json_each(bindparam("keys")))
    return column.in_(listed)  # SQLite: a JSON array of the keys' hex digits (_keys)


def _keys(keys: list[UUID], dialect: str) -> Any:
    """The ``keys`` parameter: an array on PostgreSQL, a JSON array of hex digits on SQLite."""
    return keys if dialect == "postgresql" else json.dumps([k.hex for k in keys])


@functools.cache
def _moments(table: Table) -> tuple[str, ...]:
    """The moment columns of a table that keeps ``touched_on`` (none where it does not).

    A deadline is a moment to come, not one at which a figure moved.
    """
    if "touched_on" not in table.c:
        return ()
    return tuple(
        c.name
        for c in table.columns
        if isinstance(c.type, UtcDateTime) and c.name != "touched_on" and not c.info.get("deadline")
    )


def _touched(row: Row, moments: tuple[str, ...]) -> Row:
    """Stamp a row with the day of its latest moment."""
    found = [row[name] for name in moments if row[name] is not None]
    row["touched_on"] = day_start(max(found)) if found else None
    return row


async def apply(session: AsyncSession, effects: Iterable[Effect]) -> None:
    """Apply the effects of a run of events: one read and one write per table touched."""
    folds: dict[str, dict[UUID, list[Fold]]] = defaultdict(lambda: defaultdict(list))
    records: dict[str, list[Row]] = defaultdict(list)
    for effect in effects:
        if isinstance(effect, Fact):
            folds[effect.entity][effect.key].append(effect.fold)
        elif isinstance(effect, Record):
            records[effect.entity].append(effect.row)
    for entity, by_key in folds.items():
        await _fold(session, Base.metadata.tables[entity], by_key)
    for entity, rows in records.items():
        await _keep(session, Base.metadata.tables[entity], rows)


async def _fold(session: AsyncSession, table: Table, by_key: dict[UUID, list[Fold]]) -> None:
    """Fold the events into the current rows (or empty ones) and upsert them."""
    key = _key(table)
    dialect = session.get_bind().dialect.name
    read, upsert, _ = _statements(table, dialect)
    blank: Row = {column.name: None for column in table.columns}
    result = await session.execute(read, {"keys": _keys(list(by_key), dialect)})
    current = {row[key]: dict(row) for row in result.mappings()}
    rows, moments = [], _moments(table)
    for record_key, folds in by_key.items():
        row = current.get(record_key) or blank | {key: record_key}
        for fold in folds:
            row = fold(row)
        rows.append(_touched(row, moments) if moments else row)
    await _insert_many(session, upsert, rows)


async def _keep(session: AsyncSession, table: Table, rows: list[Row]) -> None:
    """Insert event-dated rows once: a redelivered one is already there."""
    once = _statements(table, session.get_bind().dialect.name)[2]
    await _insert_many(session, once, rows)


Convert = Callable[[Any], Any] | None
"""A column's bind processor: its value as the driver takes it (None: as it is)."""


async def _insert_many(session: AsyncSession, insert: Any, rows: list[Row]) -> None:
    """Run an insert of whole rows for many rows, each row's values made driver-ready here.

    SQLAlchemy's generic handling of each row's parameters (a dict built and then converted per
    row) took about a sixth of applying an event; the same bind processors run here on tuples.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    form = _driver_form(insert, dialect)
    if form is None:  # a driver with named parameters: SQLAlchemy's own way
        await session.execute(insert, rows)
        return
    sql, columns = form
    values = [
        tuple(row[name] if convert is None else convert(row[name]) for name, convert in columns)
        for row in rows
    ]
    connection = await session.connection()
    await connection.exec_driver_sql(sql, values)


@functools.cache
def _driver_form(
    insert: Any, dialect: Dialect
) -> tuple[str, tuple[tuple[str, Convert], ...]] | None:
    """An insert's SQL for a positional driver, with each parameter's column and processor."""
    compiled = insert.compile(dialect=dialect)
    if not compiled.positional:
        return None
    columns = tuple(
        (name, insert.table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in compiled.positiontup
    )
    return compiled.string, columns
