"""PSKS figures as of a moment: active and certified people and institutions by region and type."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.regions import RowLevel
from pilar_analytics.store.scope import by, group, in_scope, not_yet
from pilar_analytics.store.snapshots import rows_where, touched_since
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


def _available_since(since: datetime) -> Select[Any]:
    """Ids of the people and institutions whose availability changed after ``since``."""
    return select(statuses.c.volunteer_id).where(statuses.c.at > since)


def _moved(table: Any, key: Any, since: datetime, *also: Any) -> Any:
    """The records of ``table`` touched or changing availability since (or meeting ``also``)."""
    return rows_where(table, touched_since(table, since), key.in_(_available_since(since)), *also)


def _people_moved(since: datetime | None) -> Any:
    """The people, or with ``since`` those touched or changing availability after it."""
    return people if since is None else _moved(people, people.c.volunteer_id, since)


def active_people(at: datetime, region: str, since: datetime | None = None) -> Select[Any]:
    """Registered, verified people who were available at ``at``, within a region."""
    rows, inactive = _people_moved(since), inactive_at(at)
    return (
        select(rows)
        .outerjoin(inactive, inactive.c.volunteer_id == rows.c.volunteer_id)
        .where(by(rows.c.registered_at, at), by(rows.c.verified_at, at))
        .where(inactive.c.volunteer_id.is_(None), in_scope(rows, region))
    )


def _certifications_moved(since: datetime | None) -> Any:
    """Certifications, or with ``since`` every one of the people with one touched since.

    A person counts once however many they hold, so a person's count moves with any of them.
    """
    if since is None:
        return certifications
    touched = select(certifications.c.volunteer_id).where(touched_since(certifications, since))
    moved = union(touched, _available_since(since))
    return rows_where(certifications, certifications.c.volunteer_id.in_(moved))


def valid_certifications(at: datetime, region: str, since: datetime | None = None) -> Select[Any]:
    """Certifications in force at ``at`` of people then available, within a region."""
    rows, day, inactive = _certifications_moved(since), at.date(), inactive_at(at)
    c = rows.c
    return (
        select(rows)
        .outerjoin(inactive, inactive.c.volunteer_id == c.volunteer_id)
        .where(by(c.certified_at, at), c.valid_from <= day, not_yet(c.ended_at, at))
        .where((c.valid_until.is_(None)) | (c.valid_until >= day))
        .where(inactive.c.volunteer_id.is_(None), in_scope(rows, region))
    )


async def psks_counts(
    session: AsyncSession,
    at: datetime,
    region: str,
    level: RowLevel,
    psks_type: str | None = None,
    since: datetime | None = None,
) -> Counts:
    """Active and certified PSKS (people and institutions) per region one level down and type."""
    counts: Counts = defaultdict(lambda: [0, 0])
    active = active_people(at, region, since).subquery()
    valid = valid_certifications(at, region, since).subquery()
    queries = [
        (0, _grouped(active, level, func.count(), psks_type)),
        (1, _grouped(valid, level, func.count(valid.c.volunteer_id.distinct()), psks_type)),
    ]
    for index, query in queries:
        for where, kind, n in (await session.execute(query)).all():
            counts[(where, kind)][index] += int(n)
    for where, kind, registered, accredited in await _institutions(
        session, at, region, level, since
    ):
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
    session: AsyncSession, at: datetime, region: str, level: RowLevel, since: datetime | None
) -> list[Any]:
    """Active institutions (registered, verified, open) and the accredited among them."""
    rows, inactive = _institutions_moved(since), inactive_at(at)
    accredited = (
        select(accreditations.c.institution_id)
        .where(accreditations.c.at <= at, accreditations.c.valid_until >= at.date())
        .distinct()
        .subquery()
    )
    where = group(rows, level)
    query = (
        select(where, rows.c.psks_type, func.count(), func.count(accredited.c.institution_id))
        .outerjoin(accredited, accredited.c.institution_id == rows.c.institution_id)
        .outerjoin(inactive, inactive.c.volunteer_id == rows.c.institution_id)
        .where(by(rows.c.registered_at, at), by(rows.c.verified_at, at))
        .where(inactive.c.volunteer_id.is_(None), in_scope(rows, region))
        .where(where.is_not(None))
        .group_by(where, rows.c.psks_type)
    )
    return list((await session.execute(query)).all())


def _institutions_moved(since: datetime | None) -> Any:
    """Institutions, or with ``since`` those touched, accredited or changing availability since."""
    if since is None:
        return institutions
    key = institutions.c.institution_id
    accredited = select(accreditations.c.institution_id).where(accreditations.c.at > since)
    return _moved(institutions, key, since, key.in_(accredited))


def totals(counts: Counts) -> dict[str, list[int]]:
    """Sum the counts of every type per region."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (where, _), (active, certified) in counts.items():
        out[where][0] += active
        out[where][1] += certified
    return dict(out)
