"""Registry HTTP API for Tagana call-outs: who was sent where, and their answers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_kit.auth import Principal, Role, forbidden, region_filter, require_roles
from pilar_kit.http import RuntimeDep
from pilar_registry.api.errors import answered
from pilar_registry.api.schemas import DeploymentDecline, DeploymentPage, DeploymentPublic
from pilar_registry.api.volunteers import OPERATORS, Operator
from pilar_registry.domain.callout import Disaster
from pilar_registry.domain.deployments import Deployment, DeploymentStatus
from pilar_registry.store import DeploymentRow, Deployments
from pilar_registry.usecases import deployments

DEPLOYMENT_NOT_FOUND = "Pengerahan tidak ditemukan"
DISASTER_NOT_FOUND = "Bencana tidak dikenal oleh registri"
NOT_YOURS = "Akses ditolak: pengerahan ini bukan untuk Anda"
Answerer = Annotated[Principal, Depends(require_roles(*OPERATORS, Role.PSKS))]
router = APIRouter(tags=["deployments"])


def _speaks_for(who: Principal, volunteer_id: UUID) -> bool:
    """A PSKS token whose subject is the volunteer's id speaks for that volunteer."""
    try:
        return UUID(who.subject) == volunteer_id
    except ValueError:
        return False


def _ensure_may_answer(who: Principal, deployment: Deployment) -> None:
    """The Tagana themself, or an operator of their region or of the region they report to."""
    if who.role is Role.PSKS:
        if not _speaks_for(who, deployment.volunteer_id):
            raise forbidden(NOT_YOURS)
        return
    regions = (deployment.volunteer_region, deployment.report_to_region)
    if not any(who.can_access_region(r) for r in regions):
        raise forbidden()


async def _in_scope(session: AsyncSession, deployment_id: UUID, who: Principal) -> Deployment:
    deployment = await Deployments(session).get(deployment_id)
    if deployment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, DEPLOYMENT_NOT_FOUND)
    _ensure_may_answer(who, deployment)
    return deployment


def _touches(who: Principal, disaster: Disaster) -> bool:
    """The disaster struck the operator's province (a call-out may draw on all of it)."""
    return who.is_national or any(p == who.region[:2] for p in disaster.provinces)


@router.get("/disasters/{disaster_id}/deployments")
async def list_deployments(
    disaster_id: UUID,
    runtime: RuntimeDep,
    who: Operator,
    status_: Annotated[DeploymentStatus | None, Query(alias="status")] = None,
    after: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DeploymentPage:
    """Tagana deployed to a disaster, from or to the operator's region, paginated."""
    async with runtime.transaction() as session:
        repository = Deployments(session)
        disaster = await repository.disaster(disaster_id)
        if disaster is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, DISASTER_NOT_FOUND)
        if not _touches(who, disaster):
            raise forbidden()
        scope = or_(
            region_filter(DeploymentRow.volunteer_region, who),
            region_filter(DeploymentRow.report_to_region, who),
        )
        found = await repository.page(
            disaster_id, scope=scope, status=status_, after=after, limit=limit
        )
    items = [DeploymentPublic.of(d) for d in found]
    return DeploymentPage(items=items, next_cursor=items[-1].id if len(items) == limit else None)


@router.get("/deployments/{deployment_id}")
async def get_deployment(
    deployment_id: UUID, runtime: RuntimeDep, who: Answerer
) -> DeploymentPublic:
    """One deployment: for its Tagana, or operators of the region concerned."""
    async with runtime.transaction() as session:
        return DeploymentPublic.of(await _in_scope(session, deployment_id, who))


@router.post("/deployments/{deployment_id}/acknowledge")
async def acknowledge_deployment(
    deployment_id: UUID, runtime: RuntimeDep, who: Answerer
) -> DeploymentPublic:
    """The Tagana confirms the call-out (themself, or through an operator)."""
    with answered():
        async with runtime.transaction() as session:
            await _in_scope(session, deployment_id, who)
            acknowledged = await deployments.acknowledge(
                session, runtime.outbox, deployment_id=deployment_id
            )
    return DeploymentPublic.of(acknowledged)


@router.post("/deployments/{deployment_id}/decline")
async def decline_deployment(
    deployment_id: UUID,
    runtime: RuntimeDep,
    who: Answerer,
    body: DeploymentDecline | None = None,
) -> DeploymentPublic:
    """The Tagana cannot go; another eligible Tagana is sent for the same task if one is left."""
    reason_code = body.reason_code if body else None
    with answered():
        async with runtime.transaction() as session:
            await _in_scope(session, deployment_id, who)
            declined, _ = await deployments.decline(
                session, runtime.outbox, deployment_id=deployment_id, reason_code=reason_code
            )
    return DeploymentPublic.of(declined)
