"""Tagana who could answer a call-out: three indexed queries, however many people a province has."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.fields import VolunteerStatus
from pilar_registry.domain import Certification, Contact, Verification, Volunteer
from pilar_registry.domain.psks import TAGANA
from pilar_registry.store.tables import CertificationRow, CompetencyRow, DeploymentRow, VolunteerRow

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
        certifications[row.volunteer_id].append(_certification(row))
    competent = select(CompetencyRow.volunteer_id, CompetencyRow.competency).join(
        VolunteerRow, VolunteerRow.id == CompetencyRow.volunteer_id
    )
    competencies: dict[UUID, list[str]] = defaultdict(list)
    for volunteer_id, competency in await session.execute(competent.where(*conditions)):
        competencies[volunteer_id].append(competency)
    return [_volunteer(p, certifications.get(p.id, []), competencies.get(p.id, [])) for p in people]


def _certification(row: Row[Any]) -> Certification:
    return Certification(
        id=row.id,
        scheme=row.scheme,
        level=row.level,
        certificate_no=row.certificate_no,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        issuer=row.issuer,
        revoked_at=row.revoked_at,
        revoke_reason=row.revoke_reason,
    )


def _volunteer(
    row: Row[Any], certifications: list[Certification], competencies: list[str]
) -> Volunteer:
    return Volunteer(
        id=row.id,
        psks_type=row.psks_type,
        region=row.region,
        nik=row.nik,
        contact=Contact(row.display_name, row.email, row.phone, row.whatsapp),
        registered_at=row.registered_at,
        registered_by=row.registered_by,
        competencies=tuple(sorted(competencies)),
        details=dict(row.details),
        status=VolunteerStatus(row.status),
        verification=Verification(row.verification),
        verified_by=row.verified_by,
        capacity=row.capacity,
        open_referrals=row.open_referrals,
        certifications=tuple(sorted(certifications, key=lambda c: c.valid_from)),
        version=row.version,
    )
