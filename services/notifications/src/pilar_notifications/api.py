"""Notifications HTTP API: the delivery log operators query (no personal data)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from pilar_kit.auth import Principal, Role, require_roles
from pilar_kit.http import RuntimeDep
from pilar_notifications.store import NotificationRow

Reader = Annotated[Principal, Depends(require_roles(Role.NATIONAL_OPERATOR, Role.AUDITOR))]
router = APIRouter(prefix="/deliveries", tags=["deliveries"])


class DeliveryPublic(BaseModel):
    """One notification's delivery state."""

    id: UUID
    cause_event_id: UUID
    cause_type: str
    recipient_id: UUID
    channel: str
    status: str
    attempts: int
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None


@router.get("")
async def list_deliveries(
    runtime: RuntimeDep,
    who: Reader,
    cause_event_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryPublic]:
    """The delivery log, newest first, optionally for one cause event."""
    query = select(NotificationRow).order_by(NotificationRow.created_at.desc()).limit(limit)
    if cause_event_id:
        query = query.where(NotificationRow.cause_event_id == cause_event_id)
    async with runtime.transaction() as session:
        rows = (await session.execute(query)).scalars().all()
    return [DeliveryPublic.model_validate(r, from_attributes=True) for r in rows]
