"""Pillars HTTP API: cases' replica of certified PSKS people, for operators."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from pilar_cases import store
from pilar_cases.api.deps import Operator
from pilar_kit.http import RuntimeDep

router = APIRouter(prefix="/pillars", tags=["pillars"])


class PillarPublic(BaseModel):
    """A certified PSKS person as cases knows it (no personal data)."""

    volunteer_id: UUID
    psks_type: str
    region: str
    scheme: str
    valid_until: date | None
    certified_at: datetime


@router.get("")
async def list_pillars(
    runtime: RuntimeDep, who: Operator, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[PillarPublic]:
    """Certified pillars in the operator's region, from cases' replica of the registry."""
    async with runtime.transaction() as session:
        rows = await store.pillars_in_scope(session, who, limit)
    return [
        PillarPublic(
            volunteer_id=r.volunteer_id,
            psks_type=r.psks_type,
            region=r.region,
            scheme=r.scheme,
            valid_until=r.valid_until,
            certified_at=r.certified_at,
        )
        for r in rows
    ]
