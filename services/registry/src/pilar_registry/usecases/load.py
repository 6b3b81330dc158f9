"""The referral load a person or institution carries, kept current from cases' referral events.

Events may come twice or out of order: each one only moves its referral forward (pending,
accepted, closed), and the load is then counted again from the referrals, never incremented.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_registry.domain.load import OPEN_STATES, ReferralState, advance
from pilar_registry.store import InstitutionRow, ReferralRow, VolunteerRow


async def referral_seen(
    session: AsyncSession,
    *,
    referral_id: UUID,
    holder_id: UUID | None,
    state: ReferralState,
    at: datetime,
) -> None:
    """Move a referral to what an event says of it and recount its holder's open referrals."""
    row = await session.get(ReferralRow, referral_id)
    if row is None:
        row = ReferralRow(referral_id=referral_id, holder_id=holder_id, state=state, changed_at=at)
        session.add(row)
    else:
        row.state = advance(ReferralState(row.state), state).value
        row.holder_id = row.holder_id or holder_id
        row.changed_at = max(row.changed_at, at)
    await session.flush()
    if row.holder_id is not None:
        await recount(session, row.holder_id)


async def recount(session: AsyncSession, holder_id: UUID) -> None:
    """Set the open referrals of a person or institution to what the referrals say."""
    open_now = (
        select(func.count())
        .select_from(ReferralRow)
        .where(ReferralRow.holder_id == holder_id)
        .where(ReferralRow.state.in_([s.value for s in OPEN_STATES]))
        .scalar_subquery()
    )
    for table in (VolunteerRow, InstitutionRow):
        await session.execute(
            update(table)
            .where(table.id == holder_id, table.open_referrals != open_now)
            .values(open_referrals=open_now, version=table.version + 1)
        )
