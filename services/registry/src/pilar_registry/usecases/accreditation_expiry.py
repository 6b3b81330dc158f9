"""Accreditation expiry for the expiry scheduler: notices 30, 7 and 1 days before, and the end."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts import Event, wrap
from pilar_contracts.events.registry import SOURCE, AccreditationExpired, AccreditationExpiring
from pilar_kit.outbox import Outbox
from pilar_registry.domain import EXPIRY_NOTICE_DAYS
from pilar_registry.store import AccreditationRow, InstitutionRow

A = AccreditationRow


async def scan_accreditations(
    session: AsyncSession, outbox: Outbox, *, today: date, limit: int
) -> tuple[int, bool]:
    """Announce due notices and expiries; return how many, and whether a page was full.

    Every row a query returns is marked, so a next pass never sees it again for the same notice.
    """
    staged, full = 0, False
    for days in sorted(EXPIRY_NOTICE_DAYS):  # nearest first: 5 days left owes the 7-day notice
        count = await _notices(session, outbox, today, days, limit)
        staged, full = staged + count, full or count == limit
    count = await _expired(session, outbox, today, limit)
    return staged + count, full or count == limit


async def _notices(
    session: AsyncSession, outbox: Outbox, today: date, days: int, limit: int
) -> int:
    query = (
        select(A.id, A.institution_id, A.valid_until, InstitutionRow.region)
        .join(InstitutionRow, InstitutionRow.id == A.institution_id)
        .where(A.valid_until.between(today, today + timedelta(days=days)))
        .where(or_(A.last_notice_days.is_(None), A.last_notice_days > days))
        .order_by(A.id)
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    for row in rows:
        event = AccreditationExpiring(
            institution_id=row.institution_id,
            accreditation_id=row.id,
            valid_until=row.valid_until,
            days_left=(row.valid_until - today).days,
        )
        await _stage(session, outbox, event, row.institution_id, row.region)
    if rows:
        ids = [r.id for r in rows]
        await session.execute(update(A).where(A.id.in_(ids)).values(last_notice_days=days))
    return len(rows)


async def _expired(session: AsyncSession, outbox: Outbox, today: date, limit: int) -> int:
    query = (
        select(A.id, A.institution_id, InstitutionRow.region)
        .join(InstitutionRow, InstitutionRow.id == A.institution_id)
        .where(A.valid_until < today, A.expired_announced.is_(False))
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    for row in rows:
        event = AccreditationExpired(institution_id=row.institution_id, accreditation_id=row.id)
        await _stage(session, outbox, event, row.institution_id, row.region)
    if rows:
        ids = [r.id for r in rows]
        await session.execute(update(A).where(A.id.in_(ids)).values(expired_announced=True))
    return len(rows)


async def _stage(
    session: AsyncSession, outbox: Outbox, event: Event, institution_id: object, region: str
) -> None:
    subject = f"institution/{institution_id}"
    await outbox.stage(session, wrap(event, source=SOURCE, subject=subject, region=region))
