"""Registering, verifying and changing the availability of PSKS people."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.identity import check_nik
from pilar_kit.outbox import Outbox
from pilar_registry import domain
from pilar_registry.domain import Registration, RegistryRuleBroken, Volunteer
from pilar_registry.domain.psks import ONE_PER_REGION, PERSON, Finding, type_findings
from pilar_registry.store import Volunteers
from pilar_registry.usecases.events import announce


class Refused(RegistryRuleBroken):
    """A command refused with every finding (HTTP 422), or a conflict with a record (409)."""

    def __init__(self, findings: list[Finding], *, conflict_with: UUID | None = None) -> None:
        super().__init__(findings[0].code, findings[0].message)
        self.findings, self.conflict_with = findings, conflict_with


async def register_volunteer(
    session: AsyncSession, outbox: Outbox, *, form: Registration, by: str, today: date | None = None
) -> tuple[Volunteer, list[Finding]]:
    """Register a PSKS person pending verification; return it with soft warnings."""
    now = datetime.now(UTC)
    findings = type_findings(form.psks_type, form.region, form.details, PERSON)
    nik = check_nik(form.nik, today=today or now.date())
    findings += [Finding(e.code, e.message) for e in nik.errors]
    if findings:
        raise Refused(findings)
    repository = Volunteers(session)
    await _refuse_duplicates(repository, form)
    volunteer, events = domain.register(form, volunteer_id=uuid7(), by=by, now=now)
    await repository.add(volunteer)
    await announce(session, outbox, volunteer, *events)
    return volunteer, [Finding(w.code, w.message) for w in nik.warnings]


async def _refuse_duplicates(repository: Volunteers, form: Registration) -> None:
    existing = await repository.id_by_nik(form.nik)
    if existing:
        found = Finding("duplicate_nik", "NIK sudah terdaftar sebagai PSKS")
        raise Refused([found], conflict_with=existing)
    if form.psks_type in ONE_PER_REGION:
        holder = await repository.holder_in(form.psks_type, form.region)
        if holder:
            found = Finding("post_taken", f"Wilayah ini sudah memiliki {form.psks_type} aktif")
            raise Refused([found], conflict_with=holder)


async def _load(repository: Volunteers, volunteer_id: UUID) -> Volunteer:
    volunteer = await repository.get(volunteer_id)
    if volunteer is None:
        raise LookupError(volunteer_id)
    return volunteer


async def verify_volunteer(
    session: AsyncSession, outbox: Outbox, *, volunteer_id: UUID, by: str
) -> Volunteer:
    """A second operator verifies a registration (maker-checker)."""
    repository = Volunteers(session)
    volunteer = await _load(repository, volunteer_id)
    verified, event = domain.verify(volunteer, by=by)
    await repository.save(verified, loaded_version=volunteer.version)
    await announce(session, outbox, verified, event)
    return verified


async def change_volunteer_status(
    session: AsyncSession,
    outbox: Outbox,
    *,
    volunteer_id: UUID,
    status: VolunteerStatus,
    reason_code: str | None,
) -> Volunteer:
    """Set a person's availability (active, on leave, suspended, ...)."""
    repository = Volunteers(session)
    volunteer = await _load(repository, volunteer_id)
    changed, event = domain.change_status(volunteer, status, reason_code)
    if event is not None:
        await repository.save(changed, loaded_version=volunteer.version)
        await announce(session, outbox, changed, event)
    return changed
