"""Registry HTTP API for PSKS institutions: thin routes, scoped by role and region."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.fields import Code, PsksType, RegionCode, VolunteerStatus
from pilar_kit.auth import Principal, ensure_region, listing_region
from pilar_kit.http import RuntimeDep
from pilar_registry.api.access import Operator, Reader, ensure_may_read
from pilar_registry.api.errors import INSTITUTION_NOT_FOUND, answered
from pilar_registry.api.institution_schemas import (
    AccreditationCreate,
    AccreditationPublic,
    InstitutionChange,
    InstitutionCreate,
    InstitutionPage,
    InstitutionPublic,
    InstitutionSummary,
)
from pilar_registry.domain import Contact
from pilar_registry.domain.institutions import (
    AccreditationGrade,
    Institution,
    InstitutionRegistration,
)
from pilar_registry.metrics import MetricsDep
from pilar_registry.store import Institutions, InstitutionSearch
from pilar_registry.usecases import institutions as usecases

router = APIRouter(prefix="/institutions", tags=["institutions"])


def _today() -> datetime:
    return datetime.now(UTC)


async def _found(session: AsyncSession, institution_id: UUID) -> Institution:
    institution = await Institutions(session).get(institution_id)
    if institution is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, INSTITUTION_NOT_FOUND)
    return institution


async def _in_scope(session: AsyncSession, institution_id: UUID, who: Principal) -> Institution:
    institution = await _found(session, institution_id)
    ensure_region(who, institution.region)
    return institution


@router.post("", status_code=status.HTTP_201_CREATED)
async def register_institution(
    body: InstitutionCreate, runtime: RuntimeDep, who: Operator, metrics: MetricsDep
) -> InstitutionPublic:
    """Register an institution in the operator's region; a second operator must verify it."""
    ensure_region(who, body.region)
    form = InstitutionRegistration(
        psks_type=body.psks_type,
        region=body.region,
        name=body.name.strip(),
        contact=Contact(body.contact_name, body.email, body.phone, body.whatsapp),
        registration_no=body.registration_no.strip() if body.registration_no else None,
        services=tuple(sorted(set(body.services))),
        details=body.details,
        capacity=body.capacity,
    )
    with answered(INSTITUTION_NOT_FOUND):
        async with runtime.transaction() as session:
            institution = await usecases.register_institution(
                session, runtime.outbox, form=form, by=who.subject
            )
    metrics.institutions.labels(psks_type=form.psks_type, province=form.region[:2]).inc()
    return InstitutionPublic.of(institution, _today().date())


@router.get("")
async def list_institutions(
    runtime: RuntimeDep,
    who: Operator,
    region: RegionCode | None = None,
    psks_type: PsksType | None = None,
    status_: Annotated[VolunteerStatus | None, Query(alias="status")] = None,
    verification: Annotated[str | None, Query(pattern="^(pending|verified)$")] = None,
    grade: AccreditationGrade | None = None,
    service: Code | None = None,
    after: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> InstitutionPage:
    """Institutions of a region (default: the operator's own), filtered and paginated."""
    scope = listing_region(who, region)
    search = InstitutionSearch(
        region=scope,
        psks_type=psks_type,
        status=status_.value if status_ else None,
        verification=verification,
        grade=grade.value if grade else None,
        service=service,
        after=after,
        limit=limit,
    )
    async with runtime.transaction() as session:
        rows = await Institutions(session).page(search, _today().date())
    items = [InstitutionSummary.model_validate(r) for r in rows]
    return InstitutionPage(items=items, next_cursor=items[-1].id if len(items) == limit else None)


@router.get("/{institution_id}")
async def get_institution(
    institution_id: UUID, runtime: RuntimeDep, who: Reader
) -> InstitutionPublic:
    """One institution: for operators of its region, or the institution itself."""
    async with runtime.transaction() as session:
        institution = await _found(session, institution_id)
    ensure_may_read(who, institution.id, institution.region)
    return InstitutionPublic.of(institution, _today().date())


@router.post("/{institution_id}/verify")
async def verify_institution(
    institution_id: UUID, runtime: RuntimeDep, who: Operator
) -> InstitutionPublic:
    """Verify a registration; the verifier must not be the operator who registered it."""
    with answered(INSTITUTION_NOT_FOUND):
        async with runtime.transaction() as session:
            await _in_scope(session, institution_id, who)
            institution = await usecases.verify_institution(
                session, runtime.outbox, institution_id=institution_id, by=who.subject
            )
    return InstitutionPublic.of(institution, _today().date())


@router.patch("/{institution_id}")
async def change_institution(
    institution_id: UUID, body: InstitutionChange, runtime: RuntimeDep, who: Operator
) -> InstitutionPublic:
    """Set availability (active, inactive, suspended) and/or capacity."""
    with answered(INSTITUTION_NOT_FOUND):
        async with runtime.transaction() as session:
            await _in_scope(session, institution_id, who)
            institution = await usecases.change_institution(
                session,
                runtime.outbox,
                institution_id=institution_id,
                status=body.status,
                capacity=body.capacity,
            )
    return InstitutionPublic.of(institution, _today().date())


@router.post("/{institution_id}/accreditations", status_code=status.HTTP_201_CREATED)
async def accredit_institution(
    institution_id: UUID,
    body: AccreditationCreate,
    runtime: RuntimeDep,
    who: Operator,
    metrics: MetricsDep,
) -> AccreditationPublic:
    """Record a BALKS accreditation (grade, number, issuer, validity) of a verified LKS."""
    with answered(INSTITUTION_NOT_FOUND):
        async with runtime.transaction() as session:
            await _in_scope(session, institution_id, who)
            _, accreditation = await usecases.accredit_institution(
                session, runtime.outbox, institution_id=institution_id, **body.model_dump()
            )
    metrics.accreditations.labels(grade=accreditation.grade.value).inc()
    return AccreditationPublic.of(accreditation)
