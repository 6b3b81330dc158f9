"""The coverage alerts announced so far: which regions are known to be below target."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.thresholds import Crossing
from pilar_analytics.store.tables import CoverageAlertRow

alerts = CoverageAlertRow.__table__


async def below_now(session: AsyncSession) -> dict[str, bool]:
    """Each region's side of the target as last recorded."""
    rows = await session.execute(select(alerts.c.region, alerts.c.below))
    return {region: bool(below) for region, below in rows.all()}


async def record(session: AsyncSession, found: Sequence[Crossing], at: datetime) -> None:
    """Record the new side of the target of each crossing region."""
    if not found:
        return
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CoverageAlertRow)
    rows = [
        {"region": c.region, "below": c.below, "ratio": c.ratio, "changed_at": at} for c in found
    ]
    update = {name: insert.excluded[name] for name in ("below", "ratio", "changed_at")}
    await session.execute(
        insert.on_conflict_do_update(index_elements=["region"], set_=update), rows
    )
