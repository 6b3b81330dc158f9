"""Referrals HTTP API: the addressed PSKS answers; an operator records completion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from pilar_cases import usecases
from pilar_cases.api.deps import ContextDep, Operator, Psks
from pilar_cases.api.errors import answered
from pilar_cases.api.schemas import AnsweredPublic, Completion, Decline, ReferralPublic
from pilar_cases.store import Referrals
from pilar_kit.http import RuntimeDep

router = APIRouter(prefix="/referrals", tags=["referrals"])


@router.get("")
async def my_referrals(
    runtime: RuntimeDep, who: Psks, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[ReferralPublic]:
    """Referrals sent to the calling PSKS, newest first."""
    try:
        volunteer_id = UUID(who.subject)
    except ValueError:  # a PSKS token that does not name a volunteer has nothing addressed to it
        return []
    async with runtime.transaction() as session:
        referrals = await Referrals(session).addressed_to(volunteer_id, limit)
    return [ReferralPublic.of(r) for r in referrals]


@router.post("/{referral_id}/accept")
async def accept_referral(referral_id: UUID, runtime: RuntimeDep, who: Psks) -> ReferralPublic:
    """Accept a referral addressed to the caller, before its deadline."""
    with answered():
        async with runtime.transaction() as session:
            referral = await usecases.accept_referral(
                session, runtime.outbox, referral_id=referral_id, who=who, now=datetime.now(UTC)
            )
    return ReferralPublic.of(referral)


@router.post("/{referral_id}/decline")
async def decline_referral(
    referral_id: UUID, body: Decline, runtime: RuntimeDep, context: ContextDep, who: Psks
) -> AnsweredPublic:
    """Decline a referral addressed to the caller; the case goes to the next candidate at once."""
    with answered():
        async with runtime.transaction() as session:
            result = await usecases.decline_referral(
                session,
                runtime.outbox,
                referral_id=referral_id,
                who=who,
                reason_code=body.reason_code,
                policy=context.policy,
                now=datetime.now(UTC),
            )
    if result.next:
        context.metrics.referrals_sent.labels(result.next.to_kind.value).inc()
    following = ReferralPublic.of(result.next) if result.next else None
    return AnsweredPublic(referral=ReferralPublic.of(result.referral), next=following)


@router.post("/{referral_id}/complete")
async def complete_referral(
    referral_id: UUID, body: Completion, runtime: RuntimeDep, who: Operator
) -> ReferralPublic:
    """Record the outcome of an accepted referral and rate its quality (1..5)."""
    with answered():
        async with runtime.transaction() as session:
            referral = await usecases.complete_referral(
                session,
                runtime.outbox,
                referral_id=referral_id,
                who=who,
                outcome=body.outcome,
                quality=body.quality,
            )
    return ReferralPublic.of(referral)
