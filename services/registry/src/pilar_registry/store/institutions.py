"""Repository of PSKS institutions: explicit mapping between rows and the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from pilar_contracts.events.fields import VolunteerStatus
from pilar_registry.domain import Contact, Verification
from pilar_registry.domain.institution_types import name_key
from pilar_registry.domain.institutions import (
    Accreditation,
    AccreditationGrade,
    Institution,
    InstitutionRegistration,
)
from pilar_registry.store.institution_rows import (
    AccreditationRow,
    InstitutionRow,
    InstitutionServiceRow,
)
from pilar_registry.store.volunteers import ConcurrentChange, region_columns

LEVEL_COLUMNS = {2: InstitutionRow.province, 5: InstitutionRow.regency, 8: InstitutionRow.district}


def accreditation_of(row: AccreditationRow) -> Accreditation:
    """Map an accreditation row to the domain."""
    return Accreditation(
        id=row.id,
        grade=AccreditationGrade(row.grade),
        accreditation_no=row.accreditation_no,
        issuer=row.issuer,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )


def institution_of(row: InstitutionRow) -> Institution:
    """Map an institution row (services and accreditations loaded) to the domain."""
    form = InstitutionRegistration(
        psks_type=row.psks_type,
        region=row.region,
        name=row.name,
        contact=Contact(row.contact_name, row.email, row.phone, row.whatsapp),
        registration_no=row.registration_no,
        services=tuple(sorted(s.service for s in row.services)),
        details=dict(row.details),
        capacity=row.capacity,
    )
    return Institution(
        id=row.id,
        form=form,
        registered_at=row.registered_at,
        registered_by=row.registered_by,
        status=VolunteerStatus(row.status),
        verification=Verification(row.verification),
        verified_by=row.verified_by,
        capacity=row.capacity,
        open_referrals=row.open_referrals,
        accreditations=tuple(accreditation_of(a) for a in row.accreditations),
        version=row.version,
    )


@dataclass(frozen=True)
class InstitutionSearch:
    """What an operator looks for; every field narrows the result."""

    region: str = ""
    psks_type: str | None = None
    status: str | None = None
    verification: str | None = None
    grade: str | None = None  # accreditation grade in force today
    service: str | None = None
    after: UUID | None = None
    limit: int = 50


class Institutions:
    """PSKS institutions in one session (one unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, institution_id: UUID) -> Institution | None:
        """Load an institution with services and accreditations, or None."""
        query = (
            select(InstitutionRow)
            .where(InstitutionRow.id == institution_id)
            .options(selectinload(InstitutionRow.services))
            .options(selectinload(InstitutionRow.accreditations))
            .execution_options(populate_existing=True)
        )
        row = (await self.session.execute(query)).scalar_one_or_none()
        return institution_of(row) if row else None

    async def duplicate_of(
        self, form: InstitutionRegistration, one_per_region: bool
    ) -> tuple[str, UUID] | None:
        """The record the form would duplicate, and why: its number, its post, or its name.

        A registration number identifies an institution; without one, its name in the region does.
        """
        same_type = InstitutionRow.psks_type == form.psks_type
        if form.registration_no:
            number = InstitutionRow.registration_no == form.registration_no
            if found := await self._first(same_type, number):
                return "duplicate_registration", found
        here = InstitutionRow.region == form.region
        if one_per_region:
            active = InstitutionRow.status == VolunteerStatus.ACTIVE.value
            if found := await self._first(same_type, here, active):
                return "post_taken", found
        if not form.registration_no:
            named = InstitutionRow.name_key == name_key(form.name)
            if found := await self._first(same_type, here, named):
                return "duplicate_name", found
        return None

    async def _first(self, *conditions: ColumnElement[bool]) -> UUID | None:
        return await self.session.scalar(select(InstitutionRow.id).where(*conditions).limit(1))

    async def holder_of_accreditation(self, accreditation_no: str) -> UUID | None:
        """The institution an accreditation number is already recorded for, if any."""
        query = select(AccreditationRow.institution_id).where(
            AccreditationRow.accreditation_no == accreditation_no
        )
        return await self.session.scalar(query)

    async def add(self, i: Institution) -> None:
        """Insert a newly registered institution."""
        f = i.form
        self.session.add(
            InstitutionRow(
                id=i.id,
                psks_type=f.psks_type,
                name=f.name,
                name_key=name_key(f.name),
                registration_no=f.registration_no,
                region=f.region,
                **region_columns(f.region),
                contact_name=f.contact.display_name,
                email=f.contact.email,
                phone=f.contact.phone,
                whatsapp=f.contact.whatsapp,
                details=f.details,
                status=i.status.value,
                verification=i.verification.value,
                registered_by=i.registered_by,
                verified_by=i.verified_by,
                capacity=i.capacity,
                open_referrals=i.open_referrals,
                registered_at=i.registered_at,
                version=i.version,
            )
        )
        await self.session.flush()  # the parent first: PostgreSQL checks the services' key
        self.session.add_all(
            InstitutionServiceRow(institution_id=i.id, service=s) for s in f.services
        )
        await self.session.flush()

    async def save(self, i: Institution, *, loaded_version: int) -> None:
        """Write the mutable state; refuse if someone changed it since it was loaded."""
        result = await self.session.execute(
            update(InstitutionRow)
            .where(InstitutionRow.id == i.id, InstitutionRow.version == loaded_version)
            .values(
                status=i.status.value,
                verification=i.verification.value,
                verified_by=i.verified_by,
                capacity=i.capacity,
                version=i.version,
            )
        )
        if getattr(result, "rowcount", 0) != 1:
            raise ConcurrentChange(f"institution {i.id} changed meanwhile")

    async def add_accreditation(self, institution_id: UUID, a: Accreditation) -> None:
        """Insert one accreditation."""
        self.session.add(
            AccreditationRow(
                id=a.id,
                institution_id=institution_id,
                grade=a.grade.value,
                accreditation_no=a.accreditation_no,
                issuer=a.issuer,
                valid_from=a.valid_from,
                valid_until=a.valid_until,
                expired_announced=False,
            )
        )
        await self.session.flush()

    async def page(self, search: InstitutionSearch, today: date) -> list[InstitutionRow]:
        """One page of institutions, in registration order (ids are time-ordered UUIDv7)."""
        query = (
            select(InstitutionRow)
            .where(*_conditions(search, today))
            .order_by(InstitutionRow.id)
            .limit(search.limit)
        )
        return list((await self.session.execute(query)).scalars())


def _conditions(search: InstitutionSearch, today: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if search.region:
        column = LEVEL_COLUMNS.get(len(search.region), InstitutionRow.region)
        conditions.append(column == search.region)
    for column, value in (
        (InstitutionRow.psks_type, search.psks_type),
        (InstitutionRow.status, search.status),
        (InstitutionRow.verification, search.verification),
    ):
        if value:
            conditions.append(column == value)
    if search.grade:
        a = AccreditationRow
        conditions.append(
            exists().where(
                a.institution_id == InstitutionRow.id,
                a.grade == search.grade,
                a.valid_from <= today,
                a.valid_until >= today,
            )
        )
    if search.service:
        s = InstitutionServiceRow
        conditions.append(
            exists().where(s.institution_id == InstitutionRow.id, s.service == search.service)
        )
    if search.after:
        conditions.append(InstitutionRow.id > search.after)
    return conditions
