"""Registry HTTP API for PSKS people: thin routes over the use cases, scoped by role and region."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.fields import PsksType, RegionCode, VolunteerStatus
from pilar_kit.auth import Principal, ensure_region, listing_region
from pilar_kit.http import RuntimeDep
from pilar_registry import usecases
from pilar_registry.api.access import OPERATORS, Operator, Reader, ensure_may_read
from pilar_registry.api.errors import NOT_FOUND, answered
from pilar_registry.api.schemas import (
    CertificationCreate,
    CertificationPublic,
    FindingPublic,
    Revocation,
    StatusChange,
    VolunteerCreate,
    VolunteerPage,
    VolunteerPublic,
    VolunteerSummary,
)
from pilar_registry.domain import Contact, Registration, Volunteer
from pilar_registry.store import Volunteers
from pilar_registry.store.search import Search, search_volunteers

__all__ = ["OPERATORS", "Operator", "router", "volunteer_in_scope"]
router = APIRouter(prefix="/volunteers", tags=["volunteers"])


async def volunteer_in_scope(
    session: AsyncSession, volunteer_id: UUID, who: Principal
) -> Volunteer:
    volunteer = await Volunteers(session).get(volunteer_id)
    if volunteer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    ensure_region(who, volunteer.region)
    return volunteer


@router.post("", status_code=status.HTTP_201_CREATED)
async def register_volunteer(
    body: VolunteerCreate, runtime: RuntimeDep, who: Operator
) -> VolunteerPublic:
    """Register a PSKS person in the operator's region; a second operator must verify it."""
    ensure_region(who, body.region)
    contact = Contact(body.display_name, body.email, body.phone, body.whatsapp)
    form = Registration(
        psks_type=body.psks_type,
        region=body.region,
        nik=_digits(body.nik),
        contact=contact,
        competencies=body.competencies,
        details=body.details,
        capacity=body.capacity,
    )
    with answered():
        async with runtime.transaction() as session:
            volunteer, warnings = await usecases.register_volunteer(
                session, runtime.outbox, form=form, by=who.subject
            )
    return VolunteerPublic.of(
        volunteer, [FindingPublic(code=w.code, message=w.message) for w in warnings]
    )


def _digits(nik: str) -> str:
    return "".join(ch for ch in nik if ch not in " .-")


@router.get("")
async def list_volunteers(
    runtime: RuntimeDep,
    who: Operator,
    region: RegionCode | None = None,
    psks_type: PsksType | None = None,
    status_: Annotated[VolunteerStatus | None, Query(alias="status")] = None,
    verification: Annotated[str | None, Query(pattern="^(pending|verified)$")] = None,
    scheme: Annotated[str | None, Query(max_length=32)] = None,
    competency: Annotated[str | None, Query(max_length=64)] = None,
    after: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> VolunteerPage:
    """PSKS people of a region (default: the operator's own), filtered and paginated."""
    scope = listing_region(who, region)
    search = Search(
        region=scope,
        psks_type=psks_type,
        status=status_.value if status_ else None,
        verification=verification,
        scheme=scheme,
        competency=competency,
        after=after,
        limit=limit,
    )
    async with runtime.transaction() as session:
        rows = await search_volunteers(session, search, datetime.now(UTC).date())
    items = [VolunteerSummary.model_validate(r) for r in rows]
    return VolunteerPage(items=items, next_cursor=items[-1].id if len(items) == limit else None)


@router.get("/{volunteer_id}")
async def get_volunteer(volunteer_id: UUID, runtime: RuntimeDep, who: Reader) -> VolunteerPublic:
    """Read one PSKS person: for operators of its region, or the person themself."""
    async with runtime.transaction() as session:
        volunteer = await Volunteers(session).get(volunteer_id)
    if volunteer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    ensure_may_read(who, volunteer.id, volunteer.region)
    return VolunteerPublic.of(volunteer)


@router.post("/{volunteer_id}/verify")
async def verify_volunteer(
    volunteer_id: UUID, runtime: RuntimeDep, who: Operator
) -> VolunteerPublic:
    """Verify a registration; the verifier must not be the operator who registered it."""
    with answered():
        async with runtime.transaction() as session:
            await volunteer_in_scope(session, volunteer_id, who)
            volunteer = await usecases.verify_volunteer(
                session, runtime.outbox, volunteer_id=volunteer_id, by=who.subject
            )
    return VolunteerPublic.of(volunteer)


@router.put("/{volunteer_id}/status")
async def change_status(
    volunteer_id: UUID, body: StatusChange, runtime: RuntimeDep, who: Operator
) -> VolunteerPublic:
    """Set a person's availability: active, on leave, inactive, suspended, deceased."""
    with answered():
        async with runtime.transaction() as session:
            await volunteer_in_scope(session, volunteer_id, who)
            volunteer = await usecases.change_volunteer_status(
                session,
                runtime.outbox,
                volunteer_id=volunteer_id,
                status=body.status,
                reason_code=body.reason_code,
            )
    return VolunteerPublic.of(volunteer)


@router.post("/{volunteer_id}/certifications", status_code=status.HTTP_201_CREATED)
async def certify_volunteer(
    volunteer_id: UUID, body: CertificationCreate, runtime: RuntimeDep, who: Operator
) -> CertificationPublic:
    """Record a certification (scheme, number, issuer, validity) of a verified person."""
    with answered():
        async with runtime.transaction() as session:
            await volunteer_in_scope(session, volunteer_id, who)
            _, certification = await usecases.certify_volunteer(
                session, runtime.outbox, volunteer_id=volunteer_id, **body.model_dump()
            )
    return CertificationPublic.of(certification)


@router.post("/{volunteer_id}/certifications/{certification_id}/revoke")
async def revoke_certification(
    volunteer_id: UUID,
    certification_id: UUID,
    body: Revocation,
    runtime: RuntimeDep,
    who: Operator,
) -> CertificationPublic:
    """Revoke a certification with a reason."""
    with answered():
        async with runtime.transaction() as session:
            await volunteer_in_scope(session, volunteer_id, who)
            revoked = await usecases.revoke_certification(
                session,
                runtime.outbox,
                volunteer_id=volunteer_id,
                certification_id=certification_id,
                reason_code=body.reason_code,
            )
    return CertificationPublic.of(revoked)
