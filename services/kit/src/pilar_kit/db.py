"""Database engines for SQLite (default) and PostgreSQL, with the same models on both."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pydantic_core
from sqlalchemy import DateTime, MetaData, event, make_url
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator

from pilar_kit.checkpointer import BACKSTOP_PAGES, Checkpointer

# Stable constraint names: Alembic batch mode on SQLite needs named constraints.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BUSY_SECONDS = 10.0  # how long a statement waits for another writer before "database is locked"
T = TypeVar("T")


def new_metadata() -> MetaData:
    """Return a fresh MetaData with Pilar's naming convention (one per service)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC on every dialect (SQLite drops offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC before writing; refuse naive datetimes."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Pilar stores only timezone-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read back as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, the text SQLAlchemy stores, written by ``isoformat`` (5x faster)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """On SQLite, the stored text read by ``fromisoformat`` (10x faster than a regex)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_moment


def _sqlite_text(value: datetime | None) -> str | None:
    """A moment as SQLAlchemy's SQLite text of it: ``YYYY-MM-DD HH:MM:SS.ffffff``, UTC."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime: Pilar stores only timezone-aware datetimes")
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]  # without its "+00:00"


def _sqlite_moment(value: str | None) -> datetime | None:
    """A moment from its SQLite text (with or without fractions), as an aware UTC datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    """True when the URL names a SQLite database."""
    return url.startswith("sqlite")


def json_dumps(value: Any) -> str:
    """JSON text of a column value: pydantic-core's encoder, a quarter of ``json.dumps``' cost."""
    return pydantic_core.to_json(value, inf_nan_mode="constants").decode()


def json_loads(text: str | bytes) -> Any:
    """A JSON column value from its text (NaN and Infinity read back as ``json.loads`` does)."""
    return pydantic_core.from_json(text, allow_inf_nan=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine; on SQLite apply WAL, busy timeout and ``BEGIN IMMEDIATE``.

    A SQLite file is opened inline (see ``InlineSqlite``). JSON columns (outbox headers among
    them, one per event) use pydantic-core's codec.
    """
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", json_loads)
    if is_sqlite(url):
        path = _plain_file(url)
        if path is not None and "creator" not in kwargs:
            kwargs.setdefault("async_creator", lambda: InlineSqlite.open(path))
        engine = create_async_engine(url, **kwargs)
        _tune_sqlite(engine, inline=path is not None)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _tune_sqlite(engine: AsyncEngine, *, inline: bool) -> None:
    """Let SQLAlchemy own transactions and take the write lock up front (no lost updates)."""
    # inline, SQLite must not sleep in its busy handler: that would stop the event loop
    busy_ms = 0 if inline else int(BUSY_SECONDS * 1000)

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={busy_ms}", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        if inline:  # commits only append to the log; the file's Checkpointer copies it back
            cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync at checkpoints
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory of a service: one session per request or batch."""
    return async_sessionmaker(engine, expire_on_commit=False)


def _plain_file(url: str) -> str | None:
    """The file a ``sqlite+aiosqlite`` URL names, or None (memory, URI options, other drivers)."""
    parsed = make_url(url)
    database = parsed.database or ""
    plain = parsed.drivername == "sqlite+aiosqlite" and not parsed.query
    return database if plain and database and database != ":memory:" else None


class InlineSqlite:
    """A SQLite connection with aiosqlite's async face that runs each call on the caller's thread.

    aiosqlite hands every call (cursor, execute, fetch, close) to a thread of its own and back:
    about twenty hand-offs for one intake, each a wake-up of the event loop and a GIL switch,
    which cost more than the statements. SQLite in WAL mode answers an indexed statement in
    microseconds and never blocks a reader, so the statements run inline; only waiting for another
    writer is asynchronous (``busy_timeout`` is 0 and ``patiently`` sleeps between tries), so the
    event loop never stalls on a lock held by a transaction of the same process.
    """

    def __init__(self, conn: sqlite3.Connection, checkpointer: Checkpointer | None = None) -> None:
        self._conn, self._checkpointer = conn, checkpointer
        self._connection: sqlite3.Connection | None = conn  # SQLAlchemy checks it is open
        self._tx = _Immediately()  # SQLAlchemy's adapter queues its isolation_level setter here

    @classmethod
    async def open(cls, path: str) -> InlineSqlite:
        """Open the file; SQLAlchemy takes over transactions; a thread checkpoints its log."""
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=0)
        return cls(conn, Checkpointer.attach(path))

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's transaction mode (None: SQLAlchemy issues BEGIN itself)."""
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        """A cursor (SQLAlchemy enters it with ``async with``)."""
        return InlineCursor(self, self._conn.cursor())

    async def commit(self) -> None:
        """Commit, waiting for other writers if need be."""
        await patiently(self._conn.commit)
        if self._checkpointer is not None:
            self._checkpointer.wrote()

    async def rollback(self) -> None:
        """Roll back."""
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function (SQLAlchemy's ``regexp``)."""
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        """Close the connection."""
        self.stop()

    def stop(self) -> None:
        """Close the connection at once (SQLAlchemy's terminate)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()
            if self._checkpointer is not None:
                self._checkpointer.detach()


class InlineCursor:
    """A sqlite3 cursor with aiosqlite's async face."""

    def __init__(self, owner: InlineSqlite, cursor: sqlite3.Cursor) -> None:
        self.owner, self._cursor = owner, cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        """Column descriptions of the last statement (None when it returns no rows)."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """Row id of the last inserted row."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows fetchmany returns by default."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Any = ()) -> InlineCursor:
        """Run one statement, waiting for other writers if need be."""
        await patiently(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        """Run one statement for each set of parameters."""
        await patiently(self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row, or None."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """The next ``size`` rows."""
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    def __aiter__(self) -> InlineCursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def close(self) -> None:
        """Close the cursor."""
        self._cursor.close()


class _Immediately:
    """Runs what SQLAlchemy's aiosqlite adapter queues for aiosqlite's thread, right away."""

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:  # noqa: BLE001  handed to the awaiting caller
            future.set_exception(error)


async def patiently(run: Callable[..., T], *args: Any) -> T:
    """Run a SQLite call; while another writer holds the lock, sleep and try again."""
    deadline, pause = time.monotonic() + BUSY_SECONDS, 0.001
    while True:
        try:
            return run(*args)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)
