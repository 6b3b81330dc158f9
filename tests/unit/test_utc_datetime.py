"""UtcDateTime on SQLite writes and reads exactly the text SQLAlchemy's own DATETIME does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import sqlite

from pilar_kit.db import UtcDateTime

DIALECT = sqlite.dialect()
COLUMN = UtcDateTime()
REFERENCE = sqlite.DATETIME(timezone=True)  # type: ignore[no-untyped-call]


def moments(count: int) -> list[datetime]:
    """Aware moments over four centuries, in several offsets, some on whole seconds."""
    chance = random.Random(20261206)
    start = datetime(1900, 1, 1, tzinfo=UTC)
    out = []
    for index in range(count):
        moment = start + timedelta(seconds=chance.randrange(400 * 365 * 86400))
        if index % 3:
            moment += timedelta(microseconds=chance.randrange(1_000_000))
        offset = timezone(timedelta(minutes=chance.choice([0, 420, -300, 345])))
        out.append(moment.astimezone(offset))
    return out


def test_the_text_written_is_sqlalchemys_and_reads_back_as_the_same_moment() -> None:
    write, read = COLUMN.bind_processor(DIALECT), COLUMN.result_processor(DIALECT, None)
    reference = REFERENCE.bind_processor(DIALECT)
    assert write is not None
    assert read is not None
    assert reference is not None
    for moment in moments(5000):
        text = write(moment)
        assert text == reference(moment.astimezone(UTC))
        back = read(text)
        assert back == moment
        assert back.tzinfo is UTC


def test_text_without_fractions_reads_and_a_naive_moment_is_refused() -> None:
    read, write = COLUMN.result_processor(DIALECT, None), COLUMN.bind_processor(DIALECT)
    assert read is not None
    assert write is not None
    assert read("2026-03-01 08:00:00") == datetime(2026, 3, 1, 8, tzinfo=UTC)
    assert read(None) is None
    assert write(None) is None
    with pytest.raises(ValueError, match="naive"):
        write(datetime(2026, 3, 1, 8))
