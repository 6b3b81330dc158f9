"""Repository of referrals: explicit mapping between rows and the domain."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_cases.domain import Referral, ReferralStatus
from pilar_cases.store.cases import ConcurrentChange
from pilar_cases.store.tables import ReferralRow
from pilar_contracts.events.fields import RecipientKind


def referral_of(row: ReferralRow) -> Referral:
    """Map a referral row to the domain."""
    return Referral(
        id=row.id,
        case_id=row.case_id,
        region=row.region,
        attempt=row.attempt,
        to_id=row.to_id,
        psks_type=row.psks_type,
        service=row.service,
        sent_at=row.sent_at,
        accept_by=row.accept_by,
        status=ReferralStatus(row.status),
        answered_at=row.answered_at,
        reason_code=row.reason_code,
        outcome=row.outcome,
        quality=row.quality,
        version=row.version,
        to_kind=RecipientKind(row.to_kind),
    )


def _mutable(referral: Referral) -> dict[str, object]:
    return {
        "status": referral.status.value,
        "answered_at": referral.answered_at,
        "reason_code": referral.reason_code,
        "outcome": referral.outcome,
        "quality": referral.quality,
    }


class Referrals:
    """Referrals in one session (one unit of work)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, referral_id: UUID) -> Referral | None:
        """Load a referral, or None."""
        row = await self.session.get(ReferralRow, referral_id)
        return referral_of(row) if row else None

    async def of_case(self, case_id: UUID) -> list[Referral]:
        """Every referral of a case, in attempt order."""
        query = select(ReferralRow).where(ReferralRow.case_id == case_id)
        rows = (await self.session.execute(query.order_by(ReferralRow.attempt))).scalars()
        return [referral_of(row) for row in rows]

    async def addressed_to(self, volunteer_id: UUID, limit: int) -> list[Referral]:
        """Referrals sent to one pillar, newest first."""
        query = (
            select(ReferralRow)
            .where(ReferralRow.to_id == volunteer_id)
            .order_by(ReferralRow.sent_at.desc())
            .limit(limit)
        )
        return [referral_of(row) for row in (await self.session.execute(query)).scalars()]

    async def overdue(self, now: datetime, limit: int) -> list[UUID]:
        """Pending referrals whose deadline passed, oldest deadline first."""
        query = (
            select(ReferralRow.id)
            .where(ReferralRow.status == ReferralStatus.PENDING.value)
            .where(ReferralRow.accept_by < now)
            .order_by(ReferralRow.accept_by)
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())

    async def add(self, referral: Referral) -> None:
        """Insert a referral just sent."""
        self.session.add(
            ReferralRow(
                id=referral.id,
                case_id=referral.case_id,
                region=referral.region,
                attempt=referral.attempt,
                to_id=referral.to_id,
                to_kind=referral.to_kind.value,
                psks_type=referral.psks_type,
                service=referral.service,
                sent_at=referral.sent_at,
                accept_by=referral.accept_by,
                version=referral.version,
                **_mutable(referral),
            )
        )
        await self.session.flush()

    async def save(self, referral: Referral) -> None:
        """Write the mutable state; refuse if someone answered the referral meanwhile."""
        result = await self.session.execute(
            update(ReferralRow)
            .where(ReferralRow.id == referral.id, ReferralRow.version == referral.version)
            .values(**_mutable(referral), version=referral.version + 1)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise ConcurrentChange(referral.id)
