"""Cases' replica of the registry's PSKS institutions, and the ones the broker may consider."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain import Pillar
from pilar_cases.domain.suitability import ACCREDITED_TYPES
from pilar_cases.store.replica import CANDIDATES_PER_SCOPE, open_referrals, within
from pilar_cases.store.tables import InstitutionRow
from pilar_contracts.events.fields import RecipientKind, VolunteerStatus


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def _keep_newer(
    session: AsyncSession, institution_id: UUID, stamp: str, values: dict[str, Any]
) -> None:
    """Upsert one half of an institution's row unless a newer event already wrote it.

    The halves (registration, accreditation, verification, status) may arrive in any order, each
    ordered by its own timestamp column ``stamp``.
    """
    stmt = _insert(session)(InstitutionRow).values(institution_id=institution_id, **values)
    column = getattr(InstitutionRow, stamp)
    stmt = stmt.on_conflict_do_update(
        index_elements=[InstitutionRow.institution_id],
        set_={k: stmt.excluded[k] for k in values},
        where=column.is_(None) | (column <= stmt.excluded[stamp]),
    )
    await session.execute(stmt)


async def replicate_institution(
    session: AsyncSession,
    *,
    institution_id: UUID,
    psks_type: str,
    region: str,
    services: Collection[str],
    at: datetime,
) -> None:
    """Keep an institution's type, region and services; an older registration never overwrites."""
    values = {
        "psks_type": psks_type,
        "region": region,
        "services": " ".join(sorted(services)),
        "registered_at": at,
    }
    await _keep_newer(session, institution_id, "registered_at", values)


async def replicate_accreditation(
    session: AsyncSession, *, institution_id: UUID, grade: str, valid_until: date, at: datetime
) -> None:
    """Keep the latest accreditation, even when it arrives before the registration."""
    values = {"grade": grade, "accredited_until": valid_until, "accredited_at": at}
    await _keep_newer(session, institution_id, "accredited_at", values)


async def replicate_verification(
    session: AsyncSession, *, institution_id: UUID, at: datetime
) -> None:
    """Remember that a second operator verified the institution (maker-checker)."""
    await _keep_newer(session, institution_id, "verified_at", {"verified_at": at})


async def replicate_institution_status(
    session: AsyncSession, *, institution_id: UUID, status: str, at: datetime
) -> None:
    """Keep the latest availability of an institution."""
    await _keep_newer(session, institution_id, "status_at", {"status": status, "status_at": at})


def credentials(row: InstitutionRow) -> tuple[date | None, ...]:
    """What makes an institution eligible: an LKS its BALKS accreditation, others verification."""
    if row.psks_type in ACCREDITED_TYPES:
        return (row.accredited_until,) if row.accredited_until else ()
    return (None,) if row.verified_at is not None else ()


async def institution_candidates(
    session: AsyncSession,
    *,
    scope: str,
    institution_types: Collection[str],
    exclude: Collection[UUID],
    capacity: int,
) -> list[Pillar]:
    """Registered institutions of suitable types within a region prefix, as broker pillars."""
    if not institution_types:
        return []
    query = (
        select(InstitutionRow)
        .where(InstitutionRow.psks_type.in_(list(institution_types)))
        .where(within(InstitutionRow.region, scope))
        .order_by(InstitutionRow.institution_id)
        .limit(CANDIDATES_PER_SCOPE)
    )
    if exclude:
        query = query.where(InstitutionRow.institution_id.not_in(list(exclude)))
    rows = list((await session.execute(query)).scalars())
    load = await open_referrals(session, [row.institution_id for row in rows])
    return [
        Pillar(
            volunteer_id=row.institution_id,
            psks_type=row.psks_type or "",
            region=row.region or "",
            status=VolunteerStatus(row.status or VolunteerStatus.ACTIVE),
            certified_until=credentials(row),
            open_referrals=load.get(row.institution_id, 0),
            capacity=capacity,
            kind=RecipientKind.INSTITUTION,
            competencies=frozenset((row.services or "").split()),
        )
        for row in rows
    ]
