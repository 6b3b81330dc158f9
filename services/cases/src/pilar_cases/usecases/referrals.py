"""Referrals: send, accept, decline (escalating), expire (escalating) and complete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases import domain
from pilar_cases.domain import CaseRuleBroken, Referral, ReferralPolicy
from pilar_cases.domain.audit import AuditAction
from pilar_cases.store import Cases, Referrals, latest_override, record
from pilar_cases.usecases.broker import send_to_next_pillar
from pilar_cases.usecases.events import announce
from pilar_cases.usecases.personal import audit_entry
from pilar_cases.usecases.scope import OutOfScope, case_in_scope, referral_for
from pilar_contracts import Event
from pilar_kit.auth import Principal, Role
from pilar_kit.outbox import Outbox

NO_CANDIDATE = "Tidak ada PSKS yang memenuhi syarat di provinsi ini"


@dataclass(frozen=True)
class Answered:
    """A referral that was declined or expired, and the next one the broker sent, if any."""

    referral: Referral
    next: Referral | None


async def refer_case(
    session: AsyncSession,
    outbox: Outbox,
    *,
    case_id: UUID,
    who: Principal,
    override_reason: str | None,
    policy: ReferralPolicy,
    now: datetime,
) -> Referral:
    """Refer a case to the best pillar; without consent only with an audited override reason."""
    case = await case_in_scope(session, case_id, who)
    overridden = domain.ensure_referable(case, override_reason)
    earlier = await Referrals(session).of_case(case.id)
    domain.ensure_none_open(earlier)
    referral = await send_to_next_pillar(
        session, outbox, case=case, earlier=earlier, policy=policy, now=now
    )
    if referral is None:
        raise CaseRuleBroken("no_candidate", NO_CANDIDATE)
    if overridden and override_reason is not None:
        entry = audit_entry(
            AuditAction.CONSENT_OVERRIDE, who, now, override_reason, case_id=case.id
        )
        await record(session, entry)
    return referral


def _addressee(who: Principal) -> UUID:
    """The volunteer id a PSKS principal speaks for."""
    try:
        return UUID(who.subject)
    except ValueError:
        raise OutOfScope from None


async def _save(session: AsyncSession, outbox: Outbox, referral: Referral, event: Event) -> None:
    await Referrals(session).save(referral)
    subject = f"referral/{referral.id}"
    await announce(session, outbox, region=referral.region, subject=subject, events=[event])


async def accept_referral(
    session: AsyncSession, outbox: Outbox, *, referral_id: UUID, who: Principal, now: datetime
) -> Referral:
    """The addressed pillar accepts a referral before its deadline."""
    referral = await referral_for(session, referral_id, who)
    if who.role is not Role.PSKS or str(referral.to_id) != who.subject:
        raise OutOfScope
    accepted, event = domain.accept(referral, by=_addressee(who), now=now)
    await _save(session, outbox, accepted, event)
    return accepted


async def escalate(
    session: AsyncSession,
    outbox: Outbox,
    *,
    closed: Referral,
    policy: ReferralPolicy,
    now: datetime,
) -> Referral | None:
    """After a decline or expiry, send the case to the next candidate (attempt + 1)."""
    case = await Cases(session).get(closed.case_id)
    if case is None:
        return None
    if not domain.may_escalate(case, await latest_override(session, case.id)):
        return None  # closed, or consent withdrawn since the referral was sent
    earlier = await Referrals(session).of_case(case.id)
    return await send_to_next_pillar(
        session, outbox, case=case, earlier=earlier, policy=policy, now=now
    )


async def decline_referral(
    session: AsyncSession,
    outbox: Outbox,
    *,
    referral_id: UUID,
    who: Principal,
    reason_code: str,
    policy: ReferralPolicy,
    now: datetime,
) -> Answered:
    """The addressed pillar declines; the broker escalates to the next candidate at once."""
    referral = await referral_for(session, referral_id, who)
    if who.role is not Role.PSKS or str(referral.to_id) != who.subject:
        raise OutOfScope
    declined, event = domain.decline(referral, by=_addressee(who), reason_code=reason_code, now=now)
    await _save(session, outbox, declined, event)
    following = await escalate(session, outbox, closed=declined, policy=policy, now=now)
    return Answered(declined, following)


async def expire_referral(
    session: AsyncSession,
    outbox: Outbox,
    *,
    referral_id: UUID,
    policy: ReferralPolicy,
    now: datetime,
) -> Answered | None:
    """Expire one overdue referral and escalate; None if it was answered meanwhile."""
    referral = await Referrals(session).get(referral_id)
    if referral is None or not domain.is_overdue(referral, now):
        return None
    expired, event = domain.expire(referral, now=now)
    await _save(session, outbox, expired, event)
    following = await escalate(session, outbox, closed=expired, policy=policy, now=now)
    return Answered(expired, following)


async def complete_referral(
    session: AsyncSession,
    outbox: Outbox,
    *,
    referral_id: UUID,
    who: Principal,
    outcome: str,
    quality: int,
) -> Referral:
    """An operator of the case's region records the outcome and rates the service."""
    referral = await referral_for(session, referral_id, who)
    await case_in_scope(session, referral.case_id, who)
    done, event = domain.complete(referral, outcome=outcome, quality=quality)
    await _save(session, outbox, done, event)
    return done


async def overdue_referrals(session: AsyncSession, *, now: datetime, limit: int) -> list[UUID]:
    """Ids of pending referrals past their deadline, oldest first."""
    return await Referrals(session).overdue(now, limit)


async def withdraw_open_referrals(
    session: AsyncSession, outbox: Outbox, *, case_id: UUID, reason_code: str, now: datetime
) -> list[Referral]:
    """Call back every referral of a case still pending or accepted, announcing each."""
    withdrawn = []
    for referral in await Referrals(session).of_case(case_id):
        if referral.status in domain.OPEN_STATUSES:
            called_back, event = domain.withdraw(referral, reason_code=reason_code, now=now)
            await _save(session, outbox, called_back, event)
            withdrawn.append(called_back)
    return withdrawn
