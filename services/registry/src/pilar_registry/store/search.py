"""Listing and searching PSKS people: by region prefix, type, status, certification, competency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_registry.store.tables import CertificationRow, CompetencyRow, VolunteerRow

LEVEL_COLUMNS = {2: VolunteerRow.province, 5: VolunteerRow.regency, 8: VolunteerRow.district}


@dataclass(frozen=True)
class Search:
    """What an operator looks for; every field narrows the result."""

    region: str = ""
    psks_type: str | None = None
    status: str | None = None
    verification: str | None = None
    scheme: str | None = None
    competency: str | None = None
    after: UUID | None = None
    limit: int = 50


def region_condition(region: str) -> ColumnElement[bool] | None:
    """Equality on the column of the region's level, so a plain index serves any prefix."""
    if not region:
        return None
    column = LEVEL_COLUMNS.get(len(region))
    return (column if column is not None else VolunteerRow.region) == region


def _conditions(search: Search, today: date) -> list[ColumnElement[bool]]:
    conditions = [c for c in [region_condition(search.region)] if c is not None]
    if search.psks_type:
        conditions.append(VolunteerRow.psks_type == search.psks_type)
    if search.status:
        conditions.append(VolunteerRow.status == search.status)
    if search.verification:
        conditions.append(VolunteerRow.verification == search.verification)
    if search.scheme:
        c = CertificationRow
        conditions.append(
            exists().where(
                c.volunteer_id == VolunteerRow.id,
                c.scheme == search.scheme,
                c.revoked_at.is_(None),
                c.valid_from <= today,
                or_(c.valid_until.is_(None), c.valid_until >= today),
            )
        )
    if search.competency:
        conditions.append(
            exists().where(
                CompetencyRow.volunteer_id == VolunteerRow.id,
                CompetencyRow.competency == search.competency,
            )
        )
    if search.after:
        conditions.append(VolunteerRow.id > search.after)
    return conditions


async def search_volunteers(
    session: AsyncSession, search: Search, today: date
) -> list[VolunteerRow]:
    """One page of people, in registration order (ids are time-ordered UUIDv7)."""
    query = (
        select(VolunteerRow)
        .where(*_conditions(search, today))
        .order_by(VolunteerRow.id)
        .limit(search.limit)
    )
    return list((await session.execute(query)).scalars())
