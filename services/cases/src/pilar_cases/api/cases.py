"""Cases HTTP API: intake, listing, reading (audited), referring, and erasing personal data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response, status

from pilar_cases import usecases
from pilar_cases.api.deps import ContextDep, Operator
from pilar_cases.api.errors import answered
from pilar_cases.api.schemas import (
    CaseCreate,
    CaseDetail,
    CaseOpenedPublic,
    CasePage,
    CasePublic,
    FindingPublic,
    PersonalPublic,
    ReferralCreate,
    ReferralPublic,
)
from pilar_cases.domain import CaseStatus, Intake, PersonalData, Stage
from pilar_cases.store import Cases, CaseSearch
from pilar_contracts.events.fields import PmksCategory, RegionCode, Urgency
from pilar_contracts.identity import normalise_kk, normalise_nik
from pilar_kit.auth import ensure_region, listing_region
from pilar_kit.http import RuntimeDep

router = APIRouter(tags=["cases"])
Reason = Annotated[str, Query(min_length=5, max_length=500, description="why (audited)")]


def _intake(body: CaseCreate) -> tuple[Intake, PersonalData]:
    intake = Intake(
        client_kind=body.client_kind,
        pmks_category=body.pmks_category,
        region=body.region,
        urgency=body.urgency,
        consent_given=body.consent == "given",
        disaster_id=body.disaster_id,
    )
    personal = PersonalData(
        nik=normalise_nik(body.nik),
        kk=normalise_kk(body.kk) if body.kk else None,
        display_name=body.display_name,
        birth_date=body.birth_date,
        sex=body.sex,
        phone=body.phone,
        address=body.address,
    )
    return intake, personal


@router.post("/cases", status_code=status.HTTP_201_CREATED)
async def open_case(
    body: CaseCreate, runtime: RuntimeDep, context: ContextDep, who: Operator
) -> CaseOpenedPublic:
    """Take in a client in the operator's region; a known NIK is a warning, not a refusal."""
    ensure_region(who, body.region)
    intake, personal = _intake(body)
    with answered():
        async with runtime.transaction() as session:
            opened = await usecases.open_case(
                session,
                runtime.outbox,
                context.keyring,
                intake=intake,
                personal=personal,
                who=who,
                now=datetime.now(UTC),
            )
    return CaseOpenedPublic(
        **CasePublic.fields_of(opened.case),
        warnings=[FindingPublic(code=w.code, message=w.message) for w in opened.warnings],
        earlier_case_ids=opened.earlier_case_ids,
    )


@router.get("/cases")
async def list_cases(
    runtime: RuntimeDep,
    who: Operator,
    region: Annotated[
        RegionCode | None, Query(description="kode wilayah; kosong = wilayah pengguna")
    ] = None,
    stage: Stage | None = None,
    status_: Annotated[CaseStatus | None, Query(alias="status")] = None,
    pmks_category: PmksCategory | None = None,
    urgency: Urgency | None = None,
    disaster_id: UUID | None = None,
    after: Annotated[UUID | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CasePage:
    """Cases of a region (default: the operator's own), newest first; no personal data."""
    scope = listing_region(who, region)
    search = CaseSearch(
        region=scope,
        stage=stage.value if stage else None,
        status=status_.value if status_ else None,
        pmks_category=pmks_category,
        urgency=urgency.value if urgency else None,
        disaster_id=disaster_id,
        after=after,
        limit=limit,
    )
    async with runtime.transaction() as session:
        found = await Cases(session).page(search)
    items = [CasePublic.of(case) for case in found]
    return CasePage(items=items, next_cursor=items[-1].id if len(items) == limit else None)


@router.get("/cases/{case_id}")
async def read_case(
    case_id: UUID,
    runtime: RuntimeDep,
    context: ContextDep,
    who: Operator,
    reason: Annotated[str | None, Query(min_length=5, max_length=500)] = None,
) -> CaseDetail:
    """Read a case; with ``?reason=`` also its client's personal data, and the read is audited."""
    with answered():
        async with runtime.transaction() as session:
            read = await usecases.read_case(
                session,
                context.keyring,
                case_id=case_id,
                who=who,
                reason=reason,
                now=datetime.now(UTC),
            )
    return CaseDetail(
        **CasePublic.fields_of(read.case),
        referrals=[ReferralPublic.of(r) for r in read.referrals],
        personal=PersonalPublic.of(read.personal) if read.personal else None,
        personal_erased=(read.personal is None) if read.personal_requested else None,
    )


@router.post("/cases/{case_id}/referrals", status_code=status.HTTP_201_CREATED)
async def refer_case(
    case_id: UUID,
    body: ReferralCreate,
    runtime: RuntimeDep,
    context: ContextDep,
    who: Operator,
) -> ReferralPublic:
    """Refer the case to the nearest eligible pillar, to accept within the configured hours."""
    with answered():
        async with runtime.transaction() as session:
            referral = await usecases.refer_case(
                session,
                runtime.outbox,
                case_id=case_id,
                who=who,
                override_reason=body.override_reason,
                policy=context.policy,
                now=datetime.now(UTC),
            )
    context.metrics.referrals_sent.labels(referral.to_kind.value).inc()
    return ReferralPublic.of(referral)


@router.delete("/clients/{client_ref}/personal-data", status_code=status.HTTP_204_NO_CONTENT)
async def erase_personal_data(
    client_ref: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    reason: Reason,
    runtime: RuntimeDep,
    context: ContextDep,
    who: Operator,
) -> Response:
    """Erase a client's personal data by shredding its key; cases stay, unreadable."""
    with answered():
        async with runtime.transaction() as session:
            await usecases.erase_personal_data(
                session,
                context.keyring,
                runtime.outbox,
                client_ref=client_ref,
                who=who,
                reason=reason,
                now=datetime.now(UTC),
            )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
