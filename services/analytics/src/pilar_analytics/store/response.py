"""Disaster response as of a moment: status, first deployment, volunteers and notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.store.scope import by
from pilar_analytics.store.tables import (
    DeploymentRow,
    DisasterRow,
    DisasterStatusRow,
    NotificationRow,
)

disasters = DisasterRow.__table__
statuses = DisasterStatusRow.__table__
deployments = DeploymentRow.__table__
notifications = NotificationRow.__table__


@dataclass(frozen=True)
class Response:
    """What the response to one disaster looked like at a moment."""

    disaster_id: UUID
    hazard: str
    status: str
    regions: list[str]
    declared_at: datetime
    first_deployed_at: datetime | None
    deployed: int
    acknowledged: int
    delivered: int


async def responses(session: AsyncSession, at: datetime) -> list[Response]:
    """Every disaster declared by ``at``, newest first (few: filtered by region by the caller)."""
    query = select(disasters).where(by(disasters.c.declared_at, at))
    found = (await session.execute(query.order_by(disasters.c.declared_at.desc()))).mappings()
    rows = list(found)
    if not rows:
        return []
    status = await _statuses(session, at)
    teams = await _deployments(session, at)
    delivered = await _delivered(session, at)
    out = []
    for row in rows:
        first, deployed, acknowledged = teams.get(row["disaster_id"], (None, 0, 0))
        out.append(
            Response(
                disaster_id=row["disaster_id"],
                hazard=row["hazard"] or "",
                status=status.get(row["disaster_id"], ""),
                regions=(row["regions"] or "").split(),
                declared_at=row["declared_at"],
                first_deployed_at=first,
                deployed=deployed,
                acknowledged=acknowledged,
                delivered=delivered.get(row["disaster_id"], 0),
            )
        )
    return out


async def _statuses(session: AsyncSession, at: datetime) -> dict[UUID, str]:
    """Each disaster's status at ``at``: the latest change by then (ties: the later name)."""
    query = select(statuses.c.disaster_id, statuses.c.status).where(statuses.c.at <= at)
    ordered = query.order_by(statuses.c.at, statuses.c.status)
    return {row.disaster_id: row.status for row in await session.execute(ordered)}


async def _deployments(session: AsyncSession, at: datetime) -> dict[UUID, tuple[Any, int, int]]:
    """First deployment, volunteers deployed and acknowledged, per disaster."""
    deployed = by(deployments.c.deployed_at, at)
    acknowledged = and_(deployed, by(deployments.c.acknowledged_at, at))
    query = (
        select(
            deployments.c.disaster_id,
            func.min(deployments.c.deployed_at),
            func.count(deployments.c.volunteer_id.distinct()),
            func.coalesce(func.sum(case((acknowledged, 1), else_=0)), 0),
        )
        .where(deployed)
        .group_by(deployments.c.disaster_id)
    )
    return {d: (first, int(n), int(a)) for d, first, n, a in (await session.execute(query)).all()}


async def _delivered(session: AsyncSession, at: datetime) -> dict[UUID, int]:
    """Notifications delivered by ``at`` about a disaster: its declaration or its deployments."""
    cause = notifications.c.cause_event_id
    about_deployment = select(deployments.c.disaster_id, deployments.c.deployed_event_id.label("e"))
    about_declaration = select(disasters.c.disaster_id, disasters.c.declared_event_id.label("e"))
    causes = about_deployment.union_all(about_declaration).subquery()
    query = (
        select(causes.c.disaster_id, func.count())
        .join(notifications, cause == causes.c.e)
        .where(by(notifications.c.delivered_at, at), causes.c.e.is_not(None))
        .group_by(causes.c.disaster_id)
    )
    return {d: int(n) for d, n in (await session.execute(query)).all()}
