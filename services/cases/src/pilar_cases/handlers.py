"""Cases consumers: its replica of the registry (who is certified or accredited, active, where,
with which competencies)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases import store
from pilar_contracts.consumers import CASES_REGISTRY
from pilar_contracts.events.registry import (
    CertificationExpired,
    CertificationRevoked,
    InstitutionAccredited,
    InstitutionRegistered,
    InstitutionStatusChanged,
    InstitutionVerified,
    VolunteerCertified,
    VolunteerCompetenciesChanged,
    VolunteerRegistered,
    VolunteerStatusChanged,
)
from pilar_kit.consumer import Delivery, EventRouter

registry_events = EventRouter(CASES_REGISTRY)


@registry_events.on(VolunteerCertified)
async def on_volunteer_certified(
    event: VolunteerCertified, delivery: Delivery, session: AsyncSession
) -> None:
    """Keep the certified pillar in the replica used for referral matching."""
    await store.replicate_certification(
        session,
        volunteer_id=event.volunteer_id,
        certification_id=event.certification_id,
        psks_type=event.psks_type,
        region=event.region,
        scheme=event.scheme,
        valid_until=event.valid_until,
        at=delivery.envelope.time,
    )


@registry_events.on(CertificationRevoked)
@registry_events.on(CertificationExpired)
async def on_certification_ended(
    event: CertificationRevoked | CertificationExpired, delivery: Delivery, session: AsyncSession
) -> None:
    """A revoked or expired certification no longer makes its holder eligible."""
    await store.end_certification(
        session,
        volunteer_id=event.volunteer_id,
        certification_id=event.certification_id,
        at=delivery.envelope.time,
    )


@registry_events.on(VolunteerStatusChanged)
async def on_volunteer_status_changed(
    event: VolunteerStatusChanged, delivery: Delivery, session: AsyncSession
) -> None:
    """Only active pillars receive referrals."""
    await store.replicate_status(
        session,
        volunteer_id=event.volunteer_id,
        status=event.status.value,
        at=delivery.envelope.time,
    )


@registry_events.on(InstitutionRegistered)
async def on_institution_registered(
    event: InstitutionRegistered, delivery: Delivery, session: AsyncSession
) -> None:
    """Keep the institution's type, region and services for matching."""
    await store.replicate_institution(
        session,
        institution_id=event.institution_id,
        psks_type=event.psks_type,
        region=event.region,
        services=event.services,
        at=delivery.envelope.time,
    )


@registry_events.on(InstitutionAccredited)
async def on_institution_accredited(
    event: InstitutionAccredited, delivery: Delivery, session: AsyncSession
) -> None:
    """A live BALKS accreditation is what makes an institution eligible for referrals."""
    await store.replicate_accreditation(
        session,
        institution_id=event.institution_id,
        grade=event.grade,
        valid_until=event.valid_until,
        at=delivery.envelope.time,
    )


@registry_events.on(InstitutionVerified)
async def on_institution_verified(
    event: InstitutionVerified, delivery: Delivery, session: AsyncSession
) -> None:
    """A verified institution other than an LKS may take referrals from now on."""
    await store.replicate_verification(
        session, institution_id=event.institution_id, at=delivery.envelope.time
    )


@registry_events.on(InstitutionStatusChanged)
async def on_institution_status_changed(
    event: InstitutionStatusChanged, delivery: Delivery, session: AsyncSession
) -> None:
    """Only open institutions receive referrals."""
    await store.replicate_institution_status(
        session,
        institution_id=event.institution_id,
        status=event.status.value,
        at=delivery.envelope.time,
    )


@registry_events.on(VolunteerRegistered)
@registry_events.on(VolunteerCompetenciesChanged)
async def on_competencies(
    event: VolunteerRegistered | VolunteerCompetenciesChanged,
    delivery: Delivery,
    session: AsyncSession,
) -> None:
    """A person's competencies: at equal distance, one trained for the service is asked first."""
    await store.replicate_competencies(
        session,
        volunteer_id=event.volunteer_id,
        competencies=event.competencies,
        at=delivery.envelope.time,
    )
