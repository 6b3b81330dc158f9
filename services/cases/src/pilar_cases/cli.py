"""``python -m pilar_cases bmkg FILE_OR_URL``: ingest one BMKG-format feed into the outbox.

The running service's relay publishes what was staged. Exit status 0 when the feed was read
(even if every report was a duplicate), 2 when it could not be read or is not in BMKG format.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.bmkg import ATTRIBUTION, FeedUnreachable, ingest_source
from pilar_cases.domain.earthquakes import FeedMalformed
from pilar_cases.store import Base
from pilar_cases.usecases.earthquakes import Ingested
from pilar_kit.db import create_engine, session_factory
from pilar_kit.outbox import OUTBOX, Outbox
from pilar_kit.settings import ServiceSettings


async def _ingest(settings: ServiceSettings, source: str) -> Ingested:
    engine = create_engine(settings.database("cases"))
    sessions = session_factory(engine)

    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        async with sessions() as session, session.begin():
            yield session

    try:
        return await ingest_source(transaction, Outbox(Base.metadata.tables[OUTBOX]), source)
    finally:
        await engine.dispose()


def bmkg_main(argv: list[str], settings: ServiceSettings) -> int:
    """Ingest a feed once and say what it added."""
    parser = argparse.ArgumentParser(prog="pilar-cases bmkg", description=__doc__)
    parser.add_argument("source", help="autogempa.json / gempaterkini.json file or URL")
    source = parser.parse_args(argv).source
    try:
        ingested = asyncio.run(_ingest(settings, source))
    except (FeedMalformed, FeedUnreachable) as failed:
        print(f"gagal: {failed}")
        return 2
    print(f"{len(ingested.new)} laporan gempa baru, {ingested.duplicates} duplikat ({ATTRIBUTION})")
    return 0
