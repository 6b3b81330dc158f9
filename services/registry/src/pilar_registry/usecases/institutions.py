"""Registering, verifying, accrediting and changing PSKS institutions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_contracts import Event, wrap
from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.events.registry import SOURCE
from pilar_kit.outbox import Outbox
from pilar_registry.domain import institutions as domain
from pilar_registry.domain.institution_types import RULES, institution_findings
from pilar_registry.domain.institutions import (
    Accreditation,
    AccreditationGrade,
    Institution,
    InstitutionRegistration,
)
from pilar_registry.domain.psks import Finding
from pilar_registry.store import Institutions
from pilar_registry.usecases.registration import Refused

DUPLICATES = {
    "duplicate_registration": "Lembaga {} dengan nomor registrasi ini sudah terdaftar",
    "post_taken": "Wilayah ini sudah memiliki {} aktif",
    "duplicate_name": "Lembaga {} dengan nama ini sudah terdaftar di wilayah ini",
}


async def announce_institution(
    session: AsyncSession, outbox: Outbox, institution: Institution, *events: Event
) -> None:
    """Stage events about an institution, on the subjects of its region."""
    subject = f"institution/{institution.id}"
    await outbox.stage(
        session,
        *(wrap(e, source=SOURCE, subject=subject, region=institution.region) for e in events),
    )


async def register_institution(
    session: AsyncSession, outbox: Outbox, *, form: InstitutionRegistration, by: str
) -> Institution:
    """Register an institution pending verification; duplicates point at the existing record."""
    findings = institution_findings(form.psks_type, form.region, form.registration_no)
    if findings:
        raise Refused(findings)
    repository = Institutions(session)
    rules = RULES[form.psks_type]
    duplicate = await repository.duplicate_of(form, rules.one_per_region)
    if duplicate is not None:
        code, existing = duplicate
        raise Refused(
            [Finding(code, DUPLICATES[code].format(form.psks_type))], conflict_with=existing
        )
    institution, events = domain.register_institution(
        form, institution_id=uuid7(), by=by, now=datetime.now(UTC)
    )
    await repository.add(institution)
    await announce_institution(session, outbox, institution, *events)
    return institution


async def load_institution(repository: Institutions, institution_id: UUID) -> Institution:
    """One institution, or LookupError."""
    institution = await repository.get(institution_id)
    if institution is None:
        raise LookupError(institution_id)
    return institution


async def verify_institution(
    session: AsyncSession, outbox: Outbox, *, institution_id: UUID, by: str
) -> Institution:
    """A second operator verifies a registration (maker-checker)."""
    repository = Institutions(session)
    institution = await load_institution(repository, institution_id)
    verified = domain.verify_institution(institution, by=by)
    await repository.save(verified, loaded_version=institution.version)
    await announce_institution(session, outbox, verified, domain.verified_event(verified))
    return verified


async def change_institution(
    session: AsyncSession,
    outbox: Outbox,
    *,
    institution_id: UUID,
    status: VolunteerStatus | None = None,
    capacity: int | None = None,
) -> Institution:
    """Set an institution's availability and/or the referrals it can carry."""
    repository = Institutions(session)
    institution = await load_institution(repository, institution_id)
    changed = institution
    if status is not None:
        changed = domain.change_institution_status(changed, status)
    if capacity is not None:
        changed = domain.set_institution_capacity(changed, capacity)
    if changed is not institution:
        await repository.save(changed, loaded_version=institution.version)
    if changed.status is not institution.status:
        await announce_institution(session, outbox, changed, domain.status_event(changed))
    return changed


async def accredit_institution(
    session: AsyncSession,
    outbox: Outbox,
    *,
    institution_id: UUID,
    grade: AccreditationGrade,
    accreditation_no: str,
    issuer: str,
    valid_from: date,
    valid_until: date | None,
) -> tuple[Institution, Accreditation]:
    """Record an LKS's accreditation; the end defaults to the grade's validity."""
    repository = Institutions(session)
    institution = await load_institution(repository, institution_id)
    holder = await repository.holder_of_accreditation(accreditation_no)
    if holder is not None and holder != institution_id:
        found = Finding("accreditation_taken", "Nomor akreditasi tercatat untuk lembaga lain")
        raise Refused([found], conflict_with=holder)
    end = valid_until or domain.default_end(grade, valid_from)
    accreditation = Accreditation(uuid7(), grade, accreditation_no, issuer, valid_from, end)
    accredited, event = domain.accredit(institution, accreditation)
    await repository.save(accredited, loaded_version=institution.version)
    await repository.add_accreditation(institution.id, accreditation)
    await announce_institution(session, outbox, accredited, event)
    return accredited, accreditation
