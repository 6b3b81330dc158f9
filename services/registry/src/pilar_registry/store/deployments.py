"""Repository of disasters and Tagana deployments: explicit mapping, bulk insert, versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.fields import DeploymentTask, DisasterStatus
from pilar_registry.domain.callout import Disaster
from pilar_registry.domain.deployments import Deployment, DeploymentStatus
from pilar_registry.store.tables import DeploymentRow, DisasterRow
from pilar_registry.store.volunteers import ConcurrentChange


def disaster_of(row: DisasterRow) -> Disaster:
    """Map a disaster row to the domain."""
    return Disaster(
        id=row.id,
        status=DisasterStatus(row.status),
        affected_regions=tuple(row.affected_regions),
        declared_on=row.declared_on,
        called_out_at=row.called_out_at,
        version=row.version,
    )


def deployment_of(row: DeploymentRow) -> Deployment:
    """Map a deployment row to the domain."""
    return Deployment(
        id=row.id,
        disaster_id=row.disaster_id,
        volunteer_id=row.volunteer_id,
        volunteer_region=row.volunteer_region,
        task=DeploymentTask(row.task),
        report_to_region=row.report_to_region,
        deployed_at=row.deployed_at,
        status=DeploymentStatus(row.status),
        answered_at=row.answered_at,
        reason_code=row.reason_code,
        replaces=row.replaces,
        replaced_by=row.replaced_by,
        version=row.version,
    )


def _deployment_values(d: Deployment) -> dict[str, Any]:
    return {
        "id": d.id,
        "disaster_id": d.disaster_id,
        "volunteer_id": d.volunteer_id,
        "volunteer_region": d.volunteer_region,
        "task": d.task.value,
        "report_to_region": d.report_to_region,
        "status": d.status.value,
        "reason_code": d.reason_code,
        "replaces": d.replaces,
        "replaced_by": d.replaced_by,
        "deployed_at": d.deployed_at,
        "answered_at": d.answered_at,
        "version": d.version,
    }


class Deployments:
    """Disasters and their deployments in one session (one unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def disaster(self, disaster_id: UUID) -> Disaster | None:
        """A remembered declaration, or None."""
        query = select(DisasterRow).where(DisasterRow.id == disaster_id)
        row = await self.session.scalar(query.execution_options(populate_existing=True))
        return disaster_of(row) if row else None

    async def add_disaster(self, d: Disaster) -> None:
        """Remember a declaration seen for the first time."""
        self.session.add(
            DisasterRow(
                id=d.id,
                status=d.status.value,
                affected_regions=list(d.affected_regions),
                declared_on=d.declared_on,
                called_out_at=d.called_out_at,
                version=d.version,
            )
        )
        await self.session.flush()

    async def save_disaster(self, d: Disaster, *, loaded_version: int) -> None:
        """Write stage and call-out; refuse if another transaction changed it meanwhile."""
        result = await self.session.execute(
            update(DisasterRow)
            .where(DisasterRow.id == d.id, DisasterRow.version == loaded_version)
            .values(status=d.status.value, called_out_at=d.called_out_at, version=d.version)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise ConcurrentChange(f"disaster {d.id} changed meanwhile")

    async def volunteers_sent(self, disaster_id: UUID) -> set[UUID]:
        """Everyone ever deployed to the disaster, whatever they answered."""
        query = select(DeploymentRow.volunteer_id).where(DeploymentRow.disaster_id == disaster_id)
        return set((await self.session.scalars(query)).all())

    async def add_many(self, deployments: Sequence[Deployment]) -> None:
        """Insert new deployments in one statement (a call-out can send thousands)."""
        if deployments:
            values = [_deployment_values(d) for d in deployments]
            await self.session.execute(insert(DeploymentRow), values)

    async def get(self, deployment_id: UUID) -> Deployment | None:
        """One deployment, or None."""
        query = select(DeploymentRow).where(DeploymentRow.id == deployment_id)
        row = await self.session.scalar(query.execution_options(populate_existing=True))
        return deployment_of(row) if row else None

    async def save(self, d: Deployment, *, loaded_version: int) -> None:
        """Write an answer; refuse if someone answered since it was loaded."""
        values = _deployment_values(d)
        del values["id"]
        result = await self.session.execute(
            update(DeploymentRow)
            .where(DeploymentRow.id == d.id, DeploymentRow.version == loaded_version)
            .values(values)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise ConcurrentChange(f"deployment {d.id} changed meanwhile")

    async def page(
        self,
        disaster_id: UUID,
        *,
        scope: ColumnElement[bool] | None = None,
        status: DeploymentStatus | None = None,
        after: UUID | None = None,
        limit: int = 100,
    ) -> list[Deployment]:
        """One page of a disaster's deployments, in deployment order (ids are UUIDv7)."""
        query = select(DeploymentRow).where(DeploymentRow.disaster_id == disaster_id)
        if scope is not None:
            query = query.where(scope)
        if status is not None:
            query = query.where(DeploymentRow.status == status.value)
        if after is not None:
            query = query.where(DeploymentRow.id > after)
        query = query.order_by(DeploymentRow.id).limit(limit)
        rows = await self.session.scalars(query.execution_options(populate_existing=True))
        return [deployment_of(r) for r in rows]
