"""SQLite files run their statements inline, and waiting for another writer never stalls the loop.

The kit opens a SQLite file without aiosqlite's thread (a hand-off per call cost more than the
statements). Only the wait for the write lock is asynchronous: another process (or connection)
holding it must not freeze every other request of the service while it does.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from pilar_kit import db
from pilar_kit.checkpointer import BACKSTOP_PAGES
from pilar_kit.db import InlineSqlite, session_factory
from tests.conftest import engine_with_tables

pytestmark = pytest.mark.integration

metadata = MetaData()
NOTES = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("text", String))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A SQLite file for the test."""
    return tmp_path / "inline.db"


@pytest.fixture
async def engine(path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on the file, with the notes table."""
    async with engine_with_tables(f"sqlite+aiosqlite:///{path}", metadata) as engine:
        yield engine


async def test_a_sqlite_file_is_opened_inline_with_wal_and_foreign_keys(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        journal = await conn.exec_driver_sql("PRAGMA journal_mode")
        keys = await conn.exec_driver_sql("PRAGMA foreign_keys")
        assert isinstance(raw.driver_connection, InlineSqlite)
        assert journal.scalar() == "wal"
        assert keys.scalar() == 1


async def test_rows_written_are_read_back_and_a_rollback_leaves_nothing(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)

    async def write(*rows: dict[str, object]) -> None:
        async with sessions() as session, session.begin():
            for row in rows:
                await session.execute(insert(NOTES), [row])

    await write({"id": 1, "text": "a"}, {"id": 2, "text": "b"})
    with pytest.raises(IntegrityError):
        await write({"id": 3, "text": "c"}, {"id": 1, "text": "again"})
    async with sessions() as session:
        rows = (await session.execute(select(NOTES.c.text).order_by(NOTES.c.id))).scalars()
        assert list(rows) == ["a", "b"]


async def test_waiting_for_another_writer_lets_the_event_loop_run(
    engine: AsyncEngine, path: Path
) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    other.execute("INSERT INTO notes (id, text) VALUES (1, 'theirs')")
    sessions = session_factory(engine)

    async def write() -> None:
        async with sessions() as session, session.begin():
            await session.execute(insert(NOTES), [{"id": 2, "text": "ours"}])

    writing = asyncio.create_task(write())
    ticks = 0
    for _ in range(20):  # the loop keeps serving others while the write waits its turn
        await asyncio.sleep(0.005)
        ticks += 1
    assert not writing.done()
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, timeout=5)
    assert ticks == 20
    async with sessions() as session:
        assert set((await session.execute(select(NOTES.c.text))).scalars()) == {"theirs", "ours"}


async def test_a_writer_that_never_lets_go_is_reported_as_locked(
    engine: AsyncEngine, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_SECONDS", 0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with session_factory(engine)() as session, session.begin():
                await session.execute(insert(NOTES), [{"id": 1, "text": "ours"}])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert 0.2 <= time.monotonic() - started < 2


async def _write_a_megabyte(engine: AsyncEngine) -> None:
    """Commit about 250 pages of notes in ten transactions."""
    sessions = session_factory(engine)
    for batch in range(10):
        rows = [{"id": batch * 100 + i, "text": "x" * 1000} for i in range(100)]
        async with sessions() as session, session.begin():
            await session.execute(insert(NOTES), rows)


async def test_the_log_is_copied_into_the_file_beside_the_commits(
    engine: AsyncEngine, path: Path
) -> None:
    await _write_a_megabyte(engine)
    # far below the commit-time backstop: only the file's checkpointer copies the log back
    assert await _within(10, lambda: path.stat().st_size >= 1_000_000)
    async with engine.connect() as conn:
        limit = await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")
        assert limit.scalar() == BACKSTOP_PAGES


async def test_the_checkpointer_stops_with_the_last_connection_and_the_log_is_folded_in(
    path: Path,
) -> None:
    async with engine_with_tables(f"sqlite+aiosqlite:///{path}", metadata) as engine:
        await _write_a_megabyte(engine)
        assert _checkpointers(path) == 1
    assert await _within(10, lambda: _checkpointers(path) == 0)
    assert not Path(f"{path}-wal").exists()
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM notes").fetchone() == (1000,)


async def _within(seconds: float, condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within ``seconds``, polled."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


def _checkpointers(path: Path) -> int:
    return sum(t.name == f"checkpoint {path}" for t in threading.enumerate())
