"""The referral load a person carries, kept current from cases' referral events."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_registry.store import ReferralLoadRow, VolunteerRow


async def referral_accepted(
    session: AsyncSession, *, referral_id: UUID, volunteer_id: UUID, at: datetime
) -> None:
    """Count an accepted referral against the person's capacity (once per referral)."""
    known = await session.get(VolunteerRow, volunteer_id)
    counted = await session.get(ReferralLoadRow, referral_id)
    if known is None or counted is not None:
        return  # an institution, or a referral already counted
    session.add(ReferralLoadRow(referral_id=referral_id, volunteer_id=volunteer_id, accepted_at=at))
    await session.execute(
        update(VolunteerRow)
        .where(VolunteerRow.id == volunteer_id)
        .values(open_referrals=VolunteerRow.open_referrals + 1, version=VolunteerRow.version + 1)
    )


async def referral_closed(session: AsyncSession, *, referral_id: UUID) -> None:
    """Free the capacity an accepted referral took, when it completes."""
    volunteer_id = await session.scalar(
        select(ReferralLoadRow.volunteer_id).where(ReferralLoadRow.referral_id == referral_id)
    )
    if volunteer_id is None:
        return
    await session.execute(delete(ReferralLoadRow).where(ReferralLoadRow.referral_id == referral_id))
    await session.execute(
        update(VolunteerRow)
        .where(VolunteerRow.id == volunteer_id, VolunteerRow.open_referrals > 0)
        .values(open_referrals=VolunteerRow.open_referrals - 1, version=VolunteerRow.version + 1)
    )
