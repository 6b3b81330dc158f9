"""The broker's move: find the next eligible pillar for a case and send it the referral."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_cases import domain
from pilar_cases.domain import Case, MatchRequest, Pillar, Referral, ReferralPolicy
from pilar_cases.store import Referrals, candidates, institution_candidates
from pilar_cases.usecases.events import announce
from pilar_kit.outbox import Outbox


async def find_pillar(
    session: AsyncSession, request: MatchRequest, *, capacity: int, now: datetime
) -> Pillar | None:
    """The best pillar (person or institution), searching village, district, regency, province."""
    for scope in domain.search_scopes(request.region):
        pool = await candidates(
            session,
            scope=scope,
            psks_types=request.psks_types,
            exclude=request.exclude,
            capacity=capacity,
        )
        pool += await institution_candidates(
            session,
            scope=scope,
            institution_types=request.institution_types,
            exclude=request.exclude,
            capacity=capacity,
        )
        chosen = domain.best_pillar(request, pool, today=now.date())
        if chosen is not None:
            return chosen
    return None


async def send_to_next_pillar(
    session: AsyncSession,
    outbox: Outbox,
    *,
    case: Case,
    earlier: list[Referral],
    policy: ReferralPolicy,
    now: datetime,
) -> Referral | None:
    """Refer the case to the best pillar not asked before; None when nobody is left."""
    attempt = domain.next_attempt(earlier, policy)
    if attempt is None:
        return None
    fit = domain.suitability(case.pmks_category)
    request = MatchRequest(
        case.region, fit.psks_types, domain.tried(earlier), fit.institution_types, fit.service
    )
    pillar = await find_pillar(session, request, capacity=policy.capacity, now=now)
    if pillar is None:
        return None
    referral, event = domain.send(
        case,
        pillar,
        referral_id=uuid7(),
        attempt=attempt,
        service=fit.service,
        now=now,
        policy=policy,
    )
    await Referrals(session).add(referral)
    await announce(session, outbox, region=case.region, subject=f"case/{case.id}", events=[event])
    return referral
