"""PSKS institutions: registration, maker-checker, availability, LKS accreditation. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.events.registry import (
    ContactChanged,
    InstitutionAccredited,
    InstitutionRegistered,
    InstitutionStatusChanged,
    InstitutionVerified,
)
from pilar_registry.domain.institution_types import ACCREDITED_TYPES
from pilar_registry.domain.people import Contact, RegistryRuleBroken, Verification


class AccreditationGrade(StrEnum):
    """BALKS accreditation grades of an LKS."""

    A = "A"
    B = "B"
    C = "C"


# Validity when the certificate states no end: 5/3/2 years (a Kemensos official, 2020) [S].
GRADE_YEARS = {AccreditationGrade.A: 5, AccreditationGrade.B: 3, AccreditationGrade.C: 2}
# Institutions are open, closed for a while, or suspended; on leave and deceased are for people.
INSTITUTION_STATUSES = frozenset(
    {VolunteerStatus.ACTIVE, VolunteerStatus.INACTIVE, VolunteerStatus.SUSPENDED}
)


@dataclass(frozen=True)
class Accreditation:
    """An accreditation of an LKS: grade, number, issuer and validity."""

    id: UUID
    grade: AccreditationGrade
    accreditation_no: str
    issuer: str
    valid_from: date
    valid_until: date

    def is_valid_on(self, day: date) -> bool:
        """In force on a day."""
        return self.valid_from <= day <= self.valid_until


def default_end(grade: AccreditationGrade, valid_from: date) -> date:
    """The last valid day of a grade awarded on ``valid_from`` (the day before the anniversary)."""
    years = valid_from.year + GRADE_YEARS[grade]
    try:
        anniversary = valid_from.replace(year=years)
    except ValueError:  # 29 February
        anniversary = date(years, 3, 1)
    return anniversary - timedelta(days=1)


@dataclass(frozen=True)
class InstitutionRegistration:
    """What an operator submits to register a PSKS institution, family or network."""

    psks_type: str
    region: str
    name: str
    contact: Contact
    registration_no: str | None = None
    services: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    capacity: int = 5


@dataclass(frozen=True)
class Institution:
    """A PSKS institution in the registry."""

    id: UUID
    form: InstitutionRegistration
    registered_at: datetime
    registered_by: str
    status: VolunteerStatus = VolunteerStatus.ACTIVE
    verification: Verification = Verification.PENDING
    verified_by: str | None = None
    capacity: int = 5
    open_referrals: int = 0
    accreditations: tuple[Accreditation, ...] = ()
    version: int = 1

    @property
    def region(self) -> str:
        """Where it is registered."""
        return self.form.region

    def accreditation_on(self, day: date) -> Accreditation | None:
        """The accreditation in force on a day (the latest awarded wins)."""
        valid = [a for a in self.accreditations if a.is_valid_on(day)]
        return max(valid, key=lambda a: a.valid_from) if valid else None


def register_institution(
    form: InstitutionRegistration, *, institution_id: UUID, by: str, now: datetime
) -> tuple[Institution, list[InstitutionRegistered | ContactChanged]]:
    """Register an institution pending verification; its contact goes on the private subject."""
    institution = Institution(
        id=institution_id, form=form, registered_at=now, registered_by=by, capacity=form.capacity
    )
    registered = InstitutionRegistered(
        institution_id=institution_id,
        psks_type=form.psks_type,
        region=form.region,
        services=form.services,
    )
    c = form.contact
    contact = ContactChanged(
        person_id=institution_id,
        person_kind="institution",
        display_name=c.display_name,
        email=c.email,
        phone=c.phone,
        whatsapp=c.whatsapp,
    )
    return institution, [registered, contact]


def verify_institution(institution: Institution, *, by: str) -> Institution:
    """A second operator confirms the registration (maker-checker)."""
    if institution.verification is Verification.VERIFIED:
        raise RegistryRuleBroken("already_verified", "Pendaftaran sudah diverifikasi")
    if by == institution.registered_by:
        raise RegistryRuleBroken(
            "same_operator", "Verifikasi harus oleh operator lain dari yang mendaftarkan"
        )
    return replace(
        institution,
        verification=Verification.VERIFIED,
        verified_by=by,
        version=institution.version + 1,
    )


def change_institution_status(institution: Institution, status: VolunteerStatus) -> Institution:
    """Open, close or suspend an institution."""
    if status not in INSTITUTION_STATUSES:
        raise RegistryRuleBroken(
            "status_not_for_institution", "Status lembaga hanya: active, inactive, suspended"
        )
    if status is institution.status:
        return institution
    return replace(institution, status=status, version=institution.version + 1)


def verified_event(institution: Institution) -> InstitutionVerified:
    """The announcement that a registration was verified (cases may refer to it from now on)."""
    return InstitutionVerified(
        institution_id=institution.id, verified_by=institution.verified_by or ""
    )


def status_event(
    institution: Institution, reason_code: str | None = None
) -> InstitutionStatusChanged:
    """The announcement of an institution's availability."""
    return InstitutionStatusChanged(
        institution_id=institution.id, status=institution.status, reason_code=reason_code
    )


def set_institution_capacity(institution: Institution, capacity: int) -> Institution:
    """How many open referrals the institution can carry."""
    if capacity < 0:
        raise RegistryRuleBroken("capacity_negative", "Kapasitas tidak boleh negatif")
    return replace(institution, capacity=capacity, version=institution.version + 1)


def accredit(
    institution: Institution, accreditation: Accreditation
) -> tuple[Institution, InstitutionAccredited]:
    """Record an accreditation of a verified, active LKS."""
    if institution.form.psks_type not in ACCREDITED_TYPES:
        raise RegistryRuleBroken("not_accreditable", "Akreditasi BALKS hanya untuk LKS (PSKS-04)")
    if institution.verification is not Verification.VERIFIED:
        raise RegistryRuleBroken(
            "not_verified", "Lembaga belum diverifikasi; akreditasi menunggu verifikasi"
        )
    if institution.status is not VolunteerStatus.ACTIVE:
        raise RegistryRuleBroken(
            "not_active", "Lembaga tidak aktif; akreditasi tidak dapat dicatat"
        )
    if accreditation.valid_until < accreditation.valid_from:
        raise RegistryRuleBroken(
            "invalid_period", "Tanggal berakhir akreditasi mendahului tanggal mulai"
        )
    numbers = {a.accreditation_no for a in institution.accreditations}
    if accreditation.accreditation_no in numbers:
        raise RegistryRuleBroken("duplicate_accreditation", "Nomor akreditasi sudah tercatat")
    accredited = replace(
        institution,
        accreditations=(*institution.accreditations, accreditation),
        version=institution.version + 1,
    )
    event = InstitutionAccredited(
        institution_id=institution.id,
        grade=accreditation.grade.value,
        valid_until=accreditation.valid_until,
    )
    return accredited, event
