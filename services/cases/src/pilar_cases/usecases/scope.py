"""Loading a case or referral within the caller's authority."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain import Case, CaseRuleBroken, Referral
from pilar_cases.store import Cases, Referrals
from pilar_kit.auth import Principal, Role


class OutOfScope(CaseRuleBroken):
    """The record lies beyond the caller's region or is not addressed to it (HTTP 403)."""

    def __init__(self) -> None:
        super().__init__("outside_scope", "Akses ditolak: di luar wilayah kewenangan")


async def case_in_scope(session: AsyncSession, case_id: UUID, who: Principal) -> Case:
    """Load a case the caller may act on; LookupError if absent, OutOfScope if not theirs."""
    case = await Cases(session).get(case_id)
    if case is None:
        raise LookupError(case_id)
    if not who.can_access_region(case.region):
        raise OutOfScope
    return case


async def referral_for(session: AsyncSession, referral_id: UUID, who: Principal) -> Referral:
    """Load a referral an operator of its region, or the pillar it is addressed to, may see."""
    referral = await Referrals(session).get(referral_id)
    if referral is None:
        raise LookupError(referral_id)
    addressee = who.role is Role.PSKS and who.subject == str(referral.to_id)
    if not (addressee or who.can_access_region(referral.region)):
        raise OutOfScope
    return referral
