"""A case's life after intake: stages, assessment, consent decisions and closing."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases import domain
from pilar_cases.domain import Case, RiskLevel, Stage
from pilar_cases.store import Cases, Referrals
from pilar_cases.usecases.events import announce
from pilar_cases.usecases.referrals import withdraw_open_referrals
from pilar_cases.usecases.scope import case_in_scope
from pilar_contracts import Event
from pilar_kit.auth import Principal
from pilar_kit.outbox import Outbox

CONSENT_WITHDRAWN = "consent_withdrawn"


async def _save(
    session: AsyncSession, outbox: Outbox, case: Case, events: list[Event] | None = None
) -> Case:
    await Cases(session).save(case)
    if events:
        await announce(
            session, outbox, region=case.region, subject=f"case/{case.id}", events=events
        )
    return case


async def move_stage(
    session: AsyncSession, outbox: Outbox, *, case_id: UUID, to: Stage, who: Principal
) -> Case:
    """Move a case to an allowed next stage of case management (DOMAIN.md 6.2)."""
    case = await case_in_scope(session, case_id, who)
    return await _save(session, outbox, domain.move_stage(case, to))


async def assess_case(
    session: AsyncSession,
    outbox: Outbox,
    *,
    case_id: UUID,
    needs: tuple[str, ...],
    risk_level: RiskLevel,
    who: Principal,
    now: datetime,
) -> Case:
    """Record what the client needs and how much is at risk; announce CaseAssessed."""
    case = await case_in_scope(session, case_id, who)
    assessed, event = domain.assess(
        case, needs=needs, risk_level=risk_level, by=who.subject, now=now
    )
    return await _save(session, outbox, assessed, [event])


async def record_consent(
    session: AsyncSession,
    outbox: Outbox,
    *,
    case_id: UUID,
    given: bool,
    who: Principal,
    now: datetime,
) -> Case:
    """Record the client's new consent decision; a withdrawal calls back open referrals."""
    case = await case_in_scope(session, case_id, who)
    decided = domain.record_consent(case, given=given, by=who.subject, now=now)
    if not given:
        await withdraw_open_referrals(
            session, outbox, case_id=case.id, reason_code=CONSENT_WITHDRAWN, now=now
        )
    return await _save(session, outbox, decided)


async def close_case(
    session: AsyncSession,
    outbox: Outbox,
    *,
    case_id: UUID,
    outcome: str,
    who: Principal,
    now: datetime,
) -> Case:
    """Close a case with an outcome once no referral of it is still running."""
    case = await case_in_scope(session, case_id, who)
    domain.ensure_none_open(await Referrals(session).of_case(case.id))
    closed, event = domain.close_case(case, outcome=outcome, now=now)
    return await _save(session, outbox, closed, [event])
