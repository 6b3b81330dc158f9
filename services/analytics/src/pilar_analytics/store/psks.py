"""PSKS figures as of a moment: active and certified people and institutions by region and type."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.regions import RowLevel
from pilar_analytics.store.scope import by, group, in_scope, not_yet
from pilar_analytics.store.tables import (
    AccreditationRow,
    CertificationRow,
    InstitutionRow,
    PersonRow,
    StatusChangeRow,
)

people = PersonRow.__table__
certifications = CertificationRow.__table__
statuses = StatusChangeRow.__table__
institutions = InstitutionRow.__table__
accreditations = AccreditationRow.__table__

Counts = dict[tuple[str, str], list[int]]
"""(region, PSKS type) -> [active, certified]."""


def inactive_at(at: datetime) -> Any:
    """People and institutions whose latest availability by ``at`` is not ``active``."""
    latest = (
        select(statuses.c.volunteer_id, func.max(statuses.c.at).label("at"))
        .where(statuses.c.at <= at)
        .group_by(statuses.c.volunteer_id)
        .subquery()
    )
    joined = and_(statuses.c.volunteer_id == latest.c.volunteer_id, statuses.c.at == latest.c.at)
    return (
        select(statuses.c.volunteer_id)
        .join(latest, joined)
        .where(statuses.c.status != "active")
        .distinct()
        .subquery()
    )


def active_people(at: datetime, region: str) -> Select[Any]:
    """Registered, verified people who were available at ``at``, within a region."""
    inactive = inactive_at(at)
    return (
        select(people)
        .outerjoin(inactive, inactive.c.volunteer_id == people.c.volunteer_id)
        .where(by(people.c.registered_at, at), by(people.c.verified_at, at))
        .where(inactive.c.volunteer_id.is_(None), in_scope(people, region))
    )


def valid_certifications(at: datetime, region: str) -> Select[Any]:
    """Certifications in force at ``at`` of people then available, within a region."""
    day, inactive = at.date(), inactive_at(at)
    c = certifications.c
    return (
        select(certifications)
        .outerjoin(inactive, inactive.c.volunteer_id == c.volunteer_id)
        .where(by(c.certified_at, at), c.valid_from <= day, not_yet(c.ended_at, at))
        .where((c.valid_until.is_(None)) | (c.valid_until >= day))
        .where(inactive.c.volunteer_id.is_(None), in_scope(certifications, region))
    )


async def psks_counts(
    session: AsyncSession, at: datetime, region: str, level: RowLevel, psks_type: str | None = None
) -> Counts:
    """Active and certified PSKS (people and institutions) per region one level down and type."""
    counts: Counts = defaultdict(lambda: [0, 0])
    active = active_people(at, region).subquery()
    valid = valid_certifications(at, region).subquery()
    queries = [
        (0, _grouped(active, level, func.count(), psks_type)),
        (1, _grouped(valid, level, func.count(valid.c.volunteer_id.distinct()), psks_type)),
    ]
    for index, query in queries:
        for where, kind, n in (await session.execute(query)).all():
            counts[(where, kind)][index] += int(n)
    for where, kind, registered, accredited in await _institutions(session, at, region, level):
        if psks_type is None or kind == psks_type:
            counts[(where, kind)][0] += int(registered)
            counts[(where, kind)][1] += int(accredited)
    return dict(counts)


def _grouped(rows: Any, level: RowLevel, count: Any, psks_type: str | None) -> Select[Any]:
    where = group(rows, level)
    query = select(where, rows.c.psks_type, count).where(where.is_not(None))
    if psks_type is not None:
        query = query.where(rows.c.psks_type == psks_type)
    return query.group_by(where, rows.c.psks_type)


async def _institutions(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> list[Any]:
    """Active institutions (registered, verified, open) and the accredited among them."""
    inactive = inactive_at(at)
    accredited = (
        select(accreditations.c.institution_id)
        .where(accreditations.c.at <= at, accreditations.c.valid_until >= at.date())
        .distinct()
        .subquery()
    )
    where = group(institutions, level)
    query = (
        select(
            where, institutions.c.psks_type, func.count(), func.count(accredited.c.institution_id)
        )
        .outerjoin(accredited, accredited.c.institution_id == institutions.c.institution_id)
        .outerjoin(inactive, inactive.c.volunteer_id == institutions.c.institution_id)
        .where(by(institutions.c.registered_at, at), by(institutions.c.verified_at, at))
        .where(inactive.c.volunteer_id.is_(None), in_scope(institutions, region))
        .where(where.is_not(None))
        .group_by(where, institutions.c.psks_type)
    )
    return list((await session.execute(query)).all())


def totals(counts: Counts) -> dict[str, list[int]]:
    """Sum the counts of every type per region."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (where, _), (active, certified) in counts.items():
        out[where][0] += active
        out[where][1] += certified
    return dict(out)
