"""Checkpoints of a SQLite file's write-ahead log, made by a thread of their own.

Left to SQLite, the commit that grows the log past 1,000 pages copies them into the database and
syncs both files before it returns. The kit runs SQLite statements on the event loop
(``pilar_kit.db.InlineSqlite``), so every few batches a consumer's commit would stop the whole
service for that copy. Instead, commits only append to the log, and a thread per file checkpoints
PASSIVE (never waiting for a reader or writer) a few times a second while the file is open; the
sqlite3 module releases the GIL while SQLite works, so the copy runs beside the event loop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import ClassVar

log = logging.getLogger("pilar.db")

# a commit still checkpoints past this many pages (40 MB), should the thread ever fall behind
BACKSTOP_PAGES = 10_000
PAUSE_SECONDS = 0.2  # between two checkpoints: batches of writes share one copy


class Checkpointer:
    """The checkpointing thread of one SQLite file, alive while a connection to it is open."""

    _running: ClassVar[dict[str, Checkpointer]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: str) -> None:
        self.path, self.users = path, 0
        self._wake, self._stopping = threading.Event(), False
        self._thread = threading.Thread(target=self._run, name=f"checkpoint {path}", daemon=True)

    @classmethod
    def attach(cls, path: str) -> Checkpointer:
        """The file's checkpointer, started for its first connection."""
        with cls._lock:
            found = cls._running.get(path)
            if found is None:
                found = cls._running[path] = cls(path)
                found._thread.start()
            found.users += 1
            return found

    def detach(self) -> None:
        """A connection closed; the last one stops the thread."""
        with Checkpointer._lock:
            self.users -= 1
            if self.users > 0:
                return
            Checkpointer._running.pop(self.path, None)
            self._stopping = True
        self._wake.set()

    def wrote(self) -> None:
        """A transaction committed: there is something to copy."""
        self._wake.set()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0)
        try:
            while True:
                self._wake.wait()
                if self._stopping:
                    return
                self._wake.clear()
                self._checkpoint(conn)
                time.sleep(PAUSE_SECONDS)
        finally:
            conn.close()  # the last connection to close folds the log in and removes it

    @staticmethod
    def _checkpoint(conn: sqlite3.Connection) -> None:
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        except sqlite3.Error as error:  # busy: another checkpoint runs; the next try will do
            log.debug("checkpoint skipped: %s", error)
