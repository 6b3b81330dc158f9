"""Audit HTTP API: the national auditor reads who used personal data, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from pilar_cases.api.deps import Auditor
from pilar_cases.api.schemas import AuditPublic
from pilar_cases.domain.audit import AuditAction
from pilar_cases.store import AuditQuery, trail
from pilar_kit.http import RuntimeDep

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("")
async def audit_trail(
    runtime: RuntimeDep,
    who: Auditor,
    case_id: UUID | None = None,
    actor: Annotated[str | None, Query(max_length=255)] = None,
    action: AuditAction | None = None,
    since: datetime | None = None,
    before_id: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditPublic]:
    """Audit rows, newest first; page with ``before_id`` (the last id seen)."""
    query = AuditQuery(case_id, actor, action, since, before_id, limit)
    async with runtime.transaction() as session:
        rows = await trail(session, query)
    return [AuditPublic.of(row_id, entry) for row_id, entry in rows]
