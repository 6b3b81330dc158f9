"""PSKS people: registration, maker-checker verification, availability. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.events.registry import (
    ContactChanged,
    VolunteerRegistered,
    VolunteerStatusChanged,
    VolunteerVerified,
)
from pilar_registry.domain.certification import Certification


class RegistryRuleBroken(ValueError):  # noqa: N818  a verdict of the domain
    """A registry rule refuses the command; ``code`` is machine-readable."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.details = code, details


class Verification(StrEnum):
    """Maker-checker state of a registration."""

    PENDING = "pending"
    VERIFIED = "verified"


@dataclass(frozen=True)
class Contact:
    """How to reach a person; personal data that never leaves on public subjects."""

    display_name: str
    email: str | None = None
    phone: str | None = None
    whatsapp: str | None = None


@dataclass(frozen=True)
class Volunteer:
    """A PSKS person in the registry."""

    id: UUID
    psks_type: str
    region: str
    nik: str
    contact: Contact
    registered_at: datetime
    registered_by: str
    competencies: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    status: VolunteerStatus = VolunteerStatus.ACTIVE
    verification: Verification = Verification.PENDING
    verified_by: str | None = None
    capacity: int = 5
    open_referrals: int = 0
    certifications: tuple[Certification, ...] = ()
    version: int = 1


@dataclass(frozen=True)
class Registration:
    """What an operator submits to register a PSKS person."""

    psks_type: str
    region: str
    nik: str
    contact: Contact
    competencies: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    capacity: int = 5


def register(
    form: Registration, *, volunteer_id: UUID, by: str, now: datetime
) -> tuple[Volunteer, list[VolunteerRegistered | ContactChanged]]:
    """Register a PSKS person, pending verification; the contact goes on the private subject."""
    c = form.contact
    volunteer = Volunteer(
        id=volunteer_id,
        psks_type=form.psks_type,
        region=form.region,
        nik=form.nik,
        contact=c,
        registered_at=now,
        registered_by=by,
        competencies=form.competencies,
        details=dict(form.details),
        capacity=form.capacity,
    )
    registered = VolunteerRegistered(
        volunteer_id=volunteer_id,
        psks_type=form.psks_type,
        region=form.region,
        competencies=form.competencies,
        registered_at=now,
    )
    contact = ContactChanged(
        person_id=volunteer_id,
        person_kind="volunteer",
        display_name=c.display_name,
        email=c.email,
        phone=c.phone,
        whatsapp=c.whatsapp,
    )
    return volunteer, [registered, contact]


def verify(volunteer: Volunteer, *, by: str) -> tuple[Volunteer, VolunteerVerified]:
    """A second operator confirms a registration (maker-checker)."""
    if volunteer.verification is Verification.VERIFIED:
        raise RegistryRuleBroken("already_verified", "Pendaftaran sudah diverifikasi")
    if by == volunteer.registered_by:
        raise RegistryRuleBroken(
            "same_operator", "Verifikasi harus oleh operator lain dari yang mendaftarkan"
        )
    verified = replace(
        volunteer, verification=Verification.VERIFIED, verified_by=by, version=volunteer.version + 1
    )
    return verified, VolunteerVerified(volunteer_id=volunteer.id, verified_by=by)


def change_status(
    volunteer: Volunteer, status: VolunteerStatus, reason_code: str | None
) -> tuple[Volunteer, VolunteerStatusChanged | None]:
    """Set availability; nothing changes (and nothing is announced) when it is the same."""
    if volunteer.status is VolunteerStatus.DECEASED:
        raise RegistryRuleBroken("deceased", "Status PSKS yang telah meninggal tidak dapat diubah")
    if status is volunteer.status:
        return volunteer, None
    changed = replace(volunteer, status=status, version=volunteer.version + 1)
    event = VolunteerStatusChanged(
        volunteer_id=volunteer.id, status=status, reason_code=reason_code
    )
    return changed, event


def with_certification(volunteer: Volunteer, certification: Certification) -> Volunteer:
    """The person holding one more certification (or an updated one), one version later."""
    others = tuple(c for c in volunteer.certifications if c.id != certification.id)
    return replace(
        volunteer, certifications=(*others, certification), version=volunteer.version + 1
    )
