"""Planner statistics, so that a listing picks the index of its most selective filter."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

TABLES = ("volunteers", "certifications", "volunteer_competencies", "institutions")


async def refresh_statistics(session: AsyncSession) -> None:
    """Sample the tables again (after a bulk import, and on each expiry scan).

    Without statistics SQLite guesses, and may walk every person of a type in id order to find
    the few of one village. A sample of 1,000 rows per index is enough, and takes milliseconds.
    PostgreSQL's autovacuum does the same in time; doing it at once helps right after an import.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("PRAGMA analysis_limit=1000"))
        await session.execute(text("ANALYZE"))
    else:
        await session.execute(text(f"ANALYZE {', '.join(TABLES)}"))
