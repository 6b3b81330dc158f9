"""Certifying a PSKS person and revoking a certification. Pure: no I/O."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.events.registry import CertificationRevoked, VolunteerCertified
from pilar_registry.domain.certification import Certification
from pilar_registry.domain.people import (
    RegistryRuleBroken,
    Verification,
    Volunteer,
    with_certification,
)


def certify(
    volunteer: Volunteer, certification: Certification
) -> tuple[Volunteer, VolunteerCertified]:
    """Add a certification to a verified, active person."""
    if volunteer.verification is not Verification.VERIFIED:
        raise RegistryRuleBroken(
            "not_verified", "PSKS belum diverifikasi; sertifikasi menunggu verifikasi"
        )
    if volunteer.status is not VolunteerStatus.ACTIVE:
        raise RegistryRuleBroken("not_active", "PSKS tidak aktif; sertifikasi tidak dapat dicatat")
    if certification.valid_until and certification.valid_until < certification.valid_from:
        raise RegistryRuleBroken(
            "invalid_period", "Tanggal berakhir sertifikasi mendahului tanggal mulai"
        )
    if any(c.certificate_no == certification.certificate_no for c in volunteer.certifications):
        raise RegistryRuleBroken("duplicate_certificate", "Nomor sertifikat sudah tercatat")
    event = VolunteerCertified(
        volunteer_id=volunteer.id,
        psks_type=volunteer.psks_type,
        region=volunteer.region,
        certification_id=certification.id,
        scheme=certification.scheme,
        level=certification.level,
        certificate_no=certification.certificate_no,
        valid_from=certification.valid_from,
        valid_until=certification.valid_until,
    )
    return with_certification(volunteer, certification), event


def revoke(
    volunteer: Volunteer, certification_id: UUID, reason_code: str, at: datetime
) -> tuple[Volunteer, Certification, CertificationRevoked]:
    """Revoke a certification with a reason."""
    found = [c for c in volunteer.certifications if c.id == certification_id]
    if not found:
        raise RegistryRuleBroken("unknown_certification", "Sertifikasi tidak ditemukan")
    if found[0].revoked_at is not None:
        raise RegistryRuleBroken("already_revoked", "Sertifikasi sudah dicabut")
    revoked = found[0].revoke(reason_code, at)
    event = CertificationRevoked(
        volunteer_id=volunteer.id, certification_id=certification_id, reason_code=reason_code
    )
    return with_certification(volunteer, revoked), revoked, event
