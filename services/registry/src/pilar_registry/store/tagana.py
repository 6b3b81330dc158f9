"""Tagana who could answer a call-out: three indexed queries, however many people a province has."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.fields import VolunteerStatus
from pilar_registry.domain import Certification, Verification, Volunteer
from pilar_registry.domain.psks import TAGANA
from pilar_registry.store.tables import CertificationRow, CompetencyRow, DeploymentRow, VolunteerRow
from pilar_registry.store.volunteers import certification_of, volunteer_from

PEOPLE = VolunteerRow.__table__.c
CERTIFICATES = CertificationRow.__table__.c


def _conditions(
    regencies: Sequence[str], provinces: Sequence[str], not_sent_to: UUID | None
) -> list[ColumnElement[bool]]:
    """Active, verified Tagana of some regencies or provinces (the region columns are indexed)."""
    where = []
    if regencies:
        where.append(VolunteerRow.regency.in_(regencies))
    if provinces:
        where.append(VolunteerRow.province.in_(provinces))
    conditions = [
        or_(*where),
        VolunteerRow.psks_type == TAGANA,
        VolunteerRow.status == VolunteerStatus.ACTIVE.value,
        VolunteerRow.verification == Verification.VERIFIED.value,
    ]
    if not_sent_to is not None:
        sent = exists().where(
            DeploymentRow.disaster_id == not_sent_to, DeploymentRow.volunteer_id == VolunteerRow.id
        )
        conditions.append(~sent)
    return conditions


async def tagana_in(
    session: AsyncSession,
    *,
    regencies: Sequence[str] = (),
    provinces: Sequence[str] = (),
    not_sent_to: UUID | None = None,
) -> list[Volunteer]:
    """Active, verified Tagana of the regions with certifications and competencies loaded.

    The domain still judges eligibility; this only narrows what is read.
    """
    if not regencies and not provinces:
        return []
    conditions = _conditions(regencies, provinces, not_sent_to)
    people = (await session.execute(select(*PEOPLE).where(*conditions))).all()
    certified = select(*CERTIFICATES).join(
        VolunteerRow, VolunteerRow.id == CertificationRow.volunteer_id
    )
    certifications: dict[UUID, list[Certification]] = defaultdict(list)
    for row in await session.execute(certified.where(*conditions)):
        certifications[row.volunteer_id].append(certification_of(row))
    competent = select(CompetencyRow.volunteer_id, CompetencyRow.competency).join(
        VolunteerRow, VolunteerRow.id == CompetencyRow.volunteer_id
    )
    competencies: dict[UUID, list[str]] = defaultdict(list)
    for volunteer_id, competency in await session.execute(competent.where(*conditions)):
        competencies[volunteer_id].append(competency)
    return [
        volunteer_from(p, certifications.get(p.id, []), competencies.get(p.id, [])) for p in people
    ]
