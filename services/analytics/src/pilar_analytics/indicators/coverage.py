"""Coverage (PSKS active per open PMKS case) and PSKS by type, for the rows of a region."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.indicators import Coverage, worst_first
from pilar_analytics.domain.regions import RowLevel, row_codes, row_level
from pilar_analytics.store import figures, psks


async def coverage_at(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> dict[str, Coverage]:
    """Coverage of every region one level down that has PSKS or open cases."""
    counts = psks.totals(await figures.psks_counts(session, at, region, level))
    opened = await figures.open_per_region(session, at, region, level)
    return {
        code: Coverage(
            code,
            counts.get(code, [0, 0])[0],
            counts.get(code, [0, 0])[1],
            opened.get(code, 0),
        )
        for code in set(counts) | set(opened)
    }


async def coverage_rows(
    session: AsyncSession, at: datetime, region: str, target: float
) -> list[Coverage]:
    """Coverage of each row of a region (zeros where nothing is known), worst first."""
    level = row_level(region)
    found = await coverage_at(session, at, region, level)
    rows = [found.get(code) or Coverage(code, 0, 0, 0) for code in row_codes(region)]
    return worst_first(rows, target)


async def psks_by_type(
    session: AsyncSession, at: datetime, region: str
) -> dict[str, dict[str, tuple[int, int]]]:
    """Per row of a region: active and certified PSKS per type."""
    counts = await figures.psks_counts(session, at, region, row_level(region))
    rows: dict[str, dict[str, tuple[int, int]]] = {code: {} for code in row_codes(region)}
    for (code, kind), (active, certified) in counts.items():
        if code in rows and kind:
            rows[code][kind] = (active, certified)
    return rows
