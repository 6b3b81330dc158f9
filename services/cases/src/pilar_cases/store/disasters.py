"""Repository of disasters: declarations, their affected regions and the status history."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain.disasters import Authority, Disaster
from pilar_cases.store.cases import ConcurrentChange
from pilar_cases.store.tables import DisasterRegionRow, DisasterRow, DisasterStatusRow
from pilar_contracts.events.fields import DisasterStatus
from pilar_kit.auth import Principal


def _disaster_of(row: DisasterRow, regions: tuple[str, ...]) -> Disaster:
    return Disaster(
        id=row.id,
        hazard=row.hazard,
        name=row.name,
        status=DisasterStatus(row.status),
        affected_regions=regions,
        authority=Authority(row.authority),
        authority_region=row.authority_region,
        decree_no=row.decree_no,
        period_start=row.period_start,
        period_end=row.period_end,
        declared_by=row.declared_by,
        declared_at=row.declared_at,
        version=row.version,
    )


def _ancestors(region: str) -> list[str]:
    """A region and the regions that contain it: 33.71.01 -> 33.71.01, 33.71, 33."""
    parts = region.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


class Disasters:
    """Disasters in one session (one unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _regions(self, ids: list[UUID]) -> dict[UUID, tuple[str, ...]]:
        query = select(DisasterRegionRow.disaster_id, DisasterRegionRow.region).where(
            DisasterRegionRow.disaster_id.in_(ids)
        )
        regions: dict[UUID, list[str]] = {}
        for disaster_id, region in (await self.session.execute(query)).all():
            regions.setdefault(disaster_id, []).append(region)
        return {key: tuple(sorted(value)) for key, value in regions.items()}

    async def get(self, disaster_id: UUID) -> Disaster | None:
        """Load a disaster, or None."""
        row = await self.session.get(DisasterRow, disaster_id)
        if row is None:
            return None
        return _disaster_of(row, (await self._regions([row.id])).get(row.id, ()))

    async def add(self, disaster: Disaster) -> None:
        """Insert a new declaration with its regions and the first entry of its history."""
        self.session.add(
            DisasterRow(
                id=disaster.id,
                hazard=disaster.hazard,
                name=disaster.name,
                status=disaster.status.value,
                authority=disaster.authority.value,
                authority_region=disaster.authority_region,
                decree_no=disaster.decree_no,
                period_start=disaster.period_start,
                period_end=disaster.period_end,
                declared_by=disaster.declared_by,
                declared_at=disaster.declared_at,
                version=disaster.version,
            )
        )
        await self.session.flush()
        self.session.add_all(
            DisasterRegionRow(disaster_id=disaster.id, region=r) for r in disaster.affected_regions
        )
        self._log(disaster, disaster.declared_by, disaster.declared_at)
        await self.session.flush()

    def _log(self, disaster: Disaster, by: str, at: datetime) -> None:
        self.session.add(
            DisasterStatusRow(
                disaster_id=disaster.id,
                status=disaster.status.value,
                decree_no=disaster.decree_no,
                recorded_by=by,
                recorded_at=at,
            )
        )

    async def save(self, disaster: Disaster, *, by: str, at: datetime) -> None:
        """Write a status change and log it; refuse if someone changed the disaster meanwhile."""
        result = await self.session.execute(
            update(DisasterRow)
            .where(DisasterRow.id == disaster.id, DisasterRow.version == disaster.version)
            .values(
                status=disaster.status.value,
                decree_no=disaster.decree_no,
                period_start=disaster.period_start,
                period_end=disaster.period_end,
                version=disaster.version + 1,
            )
        )
        if getattr(result, "rowcount", 0) != 1:
            raise ConcurrentChange(disaster.id)
        self._log(disaster, by, at)
        await self.session.flush()

    async def visible_to(self, who: Principal, *, active_only: bool, limit: int) -> list[Disaster]:
        """Disasters affecting the principal's region (within it or containing it), newest first."""
        query = select(DisasterRow).order_by(DisasterRow.declared_at.desc()).limit(limit)
        if active_only:
            query = query.where(DisasterRow.status != DisasterStatus.CLOSED.value)
        if not who.is_national:
            touching = select(DisasterRegionRow.disaster_id).where(
                or_(
                    DisasterRegionRow.region.in_(_ancestors(who.region)),
                    DisasterRegionRow.region.like(f"{who.region}.%"),
                )
            )
            query = query.where(DisasterRow.id.in_(touching))
        rows = list((await self.session.execute(query)).scalars())
        regions = await self._regions([row.id for row in rows])
        return [_disaster_of(row, regions.get(row.id, ())) for row in rows]
