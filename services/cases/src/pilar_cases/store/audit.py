"""The audit log: append-only rows of who used personal data, when, why and for which case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain.audit import AuditAction, AuditEntry
from pilar_cases.store.tables import AuditRow


@dataclass(frozen=True)
class AuditQuery:
    """Which audit rows an auditor asks for, newest first."""

    case_id: UUID | None = None
    actor: str | None = None
    action: AuditAction | None = None
    since: datetime | None = None
    before_id: int | None = None
    limit: int = 100


async def record(session: AsyncSession, entry: AuditEntry) -> None:
    """Append one audit row in the caller's transaction."""
    session.add(
        AuditRow(
            at=entry.at,
            actor=entry.actor,
            role=entry.role,
            action=entry.action.value,
            reason=entry.reason,
            case_id=entry.case_id,
            client_ref=entry.client_ref,
        )
    )
    await session.flush()


async def trail(session: AsyncSession, query: AuditQuery) -> list[tuple[int, AuditEntry]]:
    """Audit rows matching the query, newest first, with their ids for paging."""
    stmt = select(AuditRow).order_by(AuditRow.id.desc()).limit(query.limit)
    if query.case_id is not None:
        stmt = stmt.where(AuditRow.case_id == query.case_id)
    if query.actor is not None:
        stmt = stmt.where(AuditRow.actor == query.actor)
    if query.action is not None:
        stmt = stmt.where(AuditRow.action == query.action.value)
    if query.since is not None:
        stmt = stmt.where(AuditRow.at >= query.since)
    if query.before_id is not None:
        stmt = stmt.where(AuditRow.id < query.before_id)
    rows = (await session.execute(stmt)).scalars()
    return [(row.id, _entry(row)) for row in rows]


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        action=AuditAction(row.action),
        actor=row.actor,
        role=row.role,
        at=row.at,
        reason=row.reason,
        case_id=row.case_id,
        client_ref=row.client_ref,
    )


async def latest_override(session: AsyncSession, case_id: UUID) -> datetime | None:
    """When consent was last overridden for a case, or None."""
    query = select(func.max(AuditRow.at)).where(
        AuditRow.case_id == case_id, AuditRow.action == AuditAction.CONSENT_OVERRIDE.value
    )
    latest: datetime | None = (await session.execute(query)).scalar_one_or_none()
    return latest
