"""Disasters HTTP API: record a declaration (SK status darurat), move its status, list them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from pilar_cases.api.deps import ContextDep, Operator
from pilar_cases.api.errors import answered
from pilar_cases.domain.disasters import Authority, Declaration, Disaster
from pilar_cases.metrics import province_of
from pilar_cases.store.disasters import Disasters
from pilar_cases.usecases import disasters as usecases
from pilar_contracts.events.cases import DisasterPeriod
from pilar_contracts.events.fields import DisasterStatus, HazardCode, RegionCode
from pilar_contracts.reference.catalogue import hazard
from pilar_kit.http import RuntimeDep

router = APIRouter(prefix="/disasters", tags=["disasters"])
DecreeNo = Annotated[str, Field(min_length=1, max_length=100, description="nomor SK")]


class DisasterCreate(BaseModel):
    """A declaration as the decree states it; the authority's area follows from the regions."""

    model_config = ConfigDict(extra="forbid")
    hazard: HazardCode = Field(description="BNPB DIBI code, e.g. 101 banjir, 107 gempabumi")
    name: str = Field(min_length=1, max_length=200, description="public name, no personal data")
    status: DisasterStatus = Field(description="siaga_darurat or tanggap_darurat")
    affected_regions: list[RegionCode] = Field(min_length=1, max_length=500)
    authority: Authority
    decree_no: DecreeNo
    period: DisasterPeriod


class StatusChange(BaseModel):
    """The next emergency status under a new decree, and its period."""

    model_config = ConfigDict(extra="forbid")
    to_status: DisasterStatus
    decree_no: DecreeNo
    start: date
    end: date | None = None


class DisasterPublic(BaseModel):
    """A declared disaster."""

    id: UUID
    hazard: str
    hazard_name: str
    name: str
    status: DisasterStatus
    affected_regions: list[str]
    authority: Authority
    authority_region: str = Field(description='the declaring authority\'s area, "" national')
    decree_no: str
    period: DisasterPeriod
    declared_by: str
    declared_at: datetime

    @classmethod
    def of(cls, d: Disaster) -> DisasterPublic:
        """Map a domain disaster."""
        return cls(
            id=d.id,
            hazard=d.hazard,
            hazard_name=hazard(d.hazard).name,
            name=d.name,
            status=d.status,
            affected_regions=list(d.affected_regions),
            authority=d.authority,
            authority_region=d.authority_region,
            decree_no=d.decree_no,
            period=d.period,
            declared_by=d.declared_by,
            declared_at=d.declared_at,
        )


@router.post("", status_code=status.HTTP_201_CREATED)
async def declare_disaster(
    body: DisasterCreate, runtime: RuntimeDep, context: ContextDep, who: Operator
) -> DisasterPublic:
    """Record a declaration: bupati/wali kota by the regency, gubernur by the province."""
    declaration = Declaration(
        hazard=body.hazard,
        name=body.name,
        status=body.status,
        affected_regions=tuple(body.affected_regions),
        authority=body.authority,
        decree_no=body.decree_no,
        period_start=body.period.start,
        period_end=body.period.end,
    )
    with answered():
        async with runtime.transaction() as session:
            disaster = await usecases.declare_disaster(
                session, runtime.outbox, declaration=declaration, who=who, now=datetime.now(UTC)
            )
    context.metrics.disasters.labels(province_of(disaster.authority_region), disaster.hazard).inc()
    return DisasterPublic.of(disaster)


@router.post("/{disaster_id}/status")
async def change_status(
    disaster_id: UUID, body: StatusChange, runtime: RuntimeDep, context: ContextDep, who: Operator
) -> DisasterPublic:
    """Move forward: siaga -> tanggap darurat -> transisi -> closed; 409 on any other move."""
    with answered():
        async with runtime.transaction() as session:
            disaster = await usecases.change_disaster_status(
                session,
                runtime.outbox,
                disaster_id=disaster_id,
                to=body.to_status,
                decree_no=body.decree_no,
                start=body.start,
                end=body.end,
                who=who,
                now=datetime.now(UTC),
            )
    context.metrics.disaster_status.labels(disaster.status.value).inc()
    return DisasterPublic.of(disaster)


@router.get("")
async def list_disasters(
    runtime: RuntimeDep,
    who: Operator,
    active_only: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DisasterPublic]:
    """Disasters affecting the operator's region, newest first."""
    async with runtime.transaction() as session:
        found = await Disasters(session).visible_to(who, active_only=active_only, limit=limit)
    return [DisasterPublic.of(d) for d in found]


@router.get("/{disaster_id}")
async def read_disaster(disaster_id: UUID, runtime: RuntimeDep, who: Operator) -> DisasterPublic:
    """One disaster declared in, or affecting, the operator's region."""
    with answered():
        async with runtime.transaction() as session:
            disaster = await usecases.disaster_for(session, disaster_id, who)
    return DisasterPublic.of(disaster)
