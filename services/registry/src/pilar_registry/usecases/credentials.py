"""Certifying PSKS people and revoking certifications."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_kit.outbox import Outbox
from pilar_registry import domain
from pilar_registry.domain import Certification, Volunteer
from pilar_registry.store import Volunteers
from pilar_registry.usecases.events import announce


async def certify_volunteer(
    session: AsyncSession,
    outbox: Outbox,
    *,
    volunteer_id: UUID,
    scheme: str,
    level: str | None,
    certificate_no: str,
    valid_from: date,
    valid_until: date | None,
    issuer: str | None = None,
) -> tuple[Volunteer, Certification]:
    """Record a certification of a verified, active PSKS person."""
    repository = Volunteers(session)
    volunteer = await repository.get(volunteer_id)
    if volunteer is None:
        raise LookupError(volunteer_id)
    certification = Certification(
        uuid7(), scheme, level, certificate_no, valid_from, valid_until, issuer
    )
    updated, event = domain.certify(volunteer, certification)
    await repository.save(updated, loaded_version=volunteer.version)
    await repository.save_certification(volunteer.id, certification)
    await announce(session, outbox, updated, event)
    return updated, certification


async def revoke_certification(
    session: AsyncSession,
    outbox: Outbox,
    *,
    volunteer_id: UUID,
    certification_id: UUID,
    reason_code: str,
) -> Certification:
    """Revoke a certification with a reason; the person is no longer eligible under it."""
    repository = Volunteers(session)
    volunteer = await repository.get(volunteer_id)
    if volunteer is None:
        raise LookupError(volunteer_id)
    updated, revoked, event = domain.revoke(
        volunteer, certification_id, reason_code, datetime.now(UTC)
    )
    await repository.save(updated, loaded_version=volunteer.version)
    await repository.save_certification(volunteer.id, revoked)
    await announce(session, outbox, updated, event)
    return revoked
