"""Cases' replica of the registry: certified pillars, their certifications, availability, skills."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from pilar_cases.domain import Pillar
from pilar_cases.domain.referrals import OPEN_STATUSES
from pilar_cases.store.tables import (
    PillarCertificationRow,
    PillarCompetencyRow,
    PillarRow,
    PillarStatusRow,
    ReferralRow,
)
from pilar_contracts.events.fields import VolunteerStatus
from pilar_kit.auth import Principal, region_filter

CANDIDATES_PER_SCOPE = 500


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def replicate_certification(
    session: AsyncSession,
    *,
    volunteer_id: UUID,
    certification_id: UUID,
    psks_type: str,
    region: str,
    scheme: str,
    valid_until: date | None,
    at: datetime,
) -> None:
    """Upsert the pillar and its certification; an older event never overwrites a newer one."""
    values = {
        "volunteer_id": volunteer_id,
        "psks_type": psks_type,
        "region": region,
        "scheme": scheme,
        "valid_until": valid_until,
        "certified_at": at,
    }
    stmt = _insert(session)(PillarRow).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[PillarRow.volunteer_id],
        set_={k: stmt.excluded[k] for k in values if k != "volunteer_id"},
        where=PillarRow.certified_at <= stmt.excluded.certified_at,
    )
    await session.execute(stmt)
    cert = _insert(session)(PillarCertificationRow).values(
        certification_id=certification_id, volunteer_id=volunteer_id, valid_until=valid_until
    )
    cert = cert.on_conflict_do_update(
        index_elements=[PillarCertificationRow.certification_id],
        set_={"valid_until": cert.excluded.valid_until},
    )
    await session.execute(cert)


async def end_certification(
    session: AsyncSession, *, volunteer_id: UUID, certification_id: UUID, at: datetime
) -> None:
    """Mark a certification revoked or expired, even if its certification event comes later."""
    stmt = _insert(session)(PillarCertificationRow).values(
        certification_id=certification_id, volunteer_id=volunteer_id, ended_at=at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[PillarCertificationRow.certification_id], set_={"ended_at": at}
    )
    await session.execute(stmt)


async def replicate_status(
    session: AsyncSession, *, volunteer_id: UUID, status: str, at: datetime
) -> None:
    """Keep the latest availability of a pillar; an older event never overwrites a newer one."""
    stmt = _insert(session)(PillarStatusRow).values(
        volunteer_id=volunteer_id, status=status, changed_at=at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[PillarStatusRow.volunteer_id],
        set_={"status": stmt.excluded.status, "changed_at": stmt.excluded.changed_at},
        where=PillarStatusRow.changed_at <= stmt.excluded.changed_at,
    )
    await session.execute(stmt)


async def replicate_competencies(
    session: AsyncSession, *, volunteer_id: UUID, competencies: Collection[str], at: datetime
) -> None:
    """Keep a person's latest competencies; an older event never overwrites a newer one."""
    stmt = _insert(session)(PillarCompetencyRow).values(
        volunteer_id=volunteer_id, competencies=" ".join(sorted(competencies)), changed_at=at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[PillarCompetencyRow.volunteer_id],
        set_={"competencies": stmt.excluded.competencies, "changed_at": stmt.excluded.changed_at},
        where=PillarCompetencyRow.changed_at <= stmt.excluded.changed_at,
    )
    await session.execute(stmt)


async def pillars_in_scope(session: AsyncSession, who: Principal, limit: int) -> list[PillarRow]:
    """Certified pillars the principal may see, newest first."""
    query = (
        select(PillarRow)
        .where(region_filter(PillarRow.region, who))
        .order_by(PillarRow.certified_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def candidates(
    session: AsyncSession,
    *,
    scope: str,
    psks_types: Collection[str],
    exclude: Collection[UUID],
    capacity: int,
) -> list[Pillar]:
    """Pillars of suitable types within a region prefix, with what the broker judges them by."""
    rows = await _pillar_rows(session, scope, psks_types, exclude)
    ids = [row.volunteer_id for row in rows]
    certified = await _live_certifications(session, ids)
    load = await open_referrals(session, ids)
    return [
        Pillar(
            volunteer_id=row.volunteer_id,
            psks_type=row.psks_type,
            region=row.region,
            status=VolunteerStatus(row.status or VolunteerStatus.ACTIVE),
            certified_until=tuple(certified.get(row.volunteer_id, ())),
            open_referrals=load.get(row.volunteer_id, 0),
            capacity=capacity,
            competencies=frozenset((row.competencies or "").split()),
        )
        for row in rows
    ]


def within(
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None], scope: str
) -> ColumnElement[bool]:
    """The region is the scope or lies below it, as a range the region index can serve."""
    # '/' follows '.' in ASCII: every code below "33.71" sorts between "33.71." and "33.71/".
    return or_(column == scope, and_(column > f"{scope}.", column < f"{scope}/"))


async def _pillar_rows(
    session: AsyncSession, scope: str, psks_types: Collection[str], exclude: Collection[UUID]
) -> list[Row[Any]]:
    query = (
        select(PillarRow.volunteer_id, PillarRow.psks_type, PillarRow.region)
        .add_columns(PillarStatusRow.status, PillarCompetencyRow.competencies)
        .outerjoin(PillarStatusRow, PillarStatusRow.volunteer_id == PillarRow.volunteer_id)
        .outerjoin(PillarCompetencyRow, PillarCompetencyRow.volunteer_id == PillarRow.volunteer_id)
        .where(PillarRow.psks_type.in_(list(psks_types)))
        .where(within(PillarRow.region, scope))
        .order_by(PillarRow.volunteer_id)
        .limit(CANDIDATES_PER_SCOPE)
    )
    if exclude:
        query = query.where(PillarRow.volunteer_id.not_in(list(exclude)))
    return list((await session.execute(query)).all())


async def _live_certifications(
    session: AsyncSession, ids: list[UUID]
) -> dict[UUID, list[date | None]]:
    if not ids:
        return {}
    query = select(PillarCertificationRow.volunteer_id, PillarCertificationRow.valid_until).where(
        PillarCertificationRow.volunteer_id.in_(ids), PillarCertificationRow.ended_at.is_(None)
    )
    live: dict[UUID, list[date | None]] = {}
    for volunteer_id, valid_until in (await session.execute(query)).all():
        live.setdefault(volunteer_id, []).append(valid_until)
    return live


async def open_referrals(session: AsyncSession, ids: list[UUID]) -> dict[UUID, int]:
    """How many pending or accepted referrals each pillar carries (counted locally)."""
    if not ids:
        return {}
    statuses: list[str] = [s.value for s in OPEN_STATUSES]
    query = (
        select(ReferralRow.to_id, func.count().label("open_count"))
        .where(ReferralRow.to_id.in_(ids), ReferralRow.status.in_(statuses))
        .group_by(ReferralRow.to_id)
    )
    return {row.to_id: row.open_count for row in (await session.execute(query)).all()}
