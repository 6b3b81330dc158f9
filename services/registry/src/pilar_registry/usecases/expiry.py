"""The expiry scheduler's work: notices 30, 7 and 1 days before, and the expiry itself.

Certifications of people here; accreditations of institutions in ``accreditation_expiry``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts import wrap
from pilar_contracts.events.registry import SOURCE, CertificationExpired, CertificationExpiring
from pilar_kit.outbox import Outbox
from pilar_registry.domain import EXPIRY_NOTICE_DAYS, notice_due
from pilar_registry.store import CertificationRow, ExpiryNoticeRow, VolunteerRow
from pilar_registry.usecases.accreditation_expiry import scan_accreditations


@dataclass(frozen=True)
class ExpiryPage:
    """What one bounded pass staged, and where the next pass over notices starts."""

    staged: int
    next_after: UUID | None  # the last certification looked at, None when notices are done
    more_left: bool  # a full page of expiries (or accreditation notices) went out: more may wait

    @property
    def done(self) -> bool:
        """Nothing is left to look at today."""
        return self.next_after is None and not self.more_left


async def scan_expiries(
    session: AsyncSession,
    outbox: Outbox,
    *,
    today: date,
    after: UUID | None = None,
    limit: int = 1000,
) -> ExpiryPage:
    """Announce one page of due notices and expiries, of certifications and accreditations."""
    notices, next_after = await _notices(session, outbox, today, after, limit)
    expired = await _expired(session, outbox, today, limit)
    accreditations, full = await scan_accreditations(session, outbox, today=today, limit=limit)
    return ExpiryPage(notices + expired + accreditations, next_after, expired == limit or full)


async def _notices(
    session: AsyncSession, outbox: Outbox, today: date, after: UUID | None, limit: int
) -> tuple[int, UUID | None]:
    horizon = today + timedelta(days=max(EXPIRY_NOTICE_DAYS))
    query = (
        select(
            CertificationRow.id,
            CertificationRow.volunteer_id,
            CertificationRow.valid_until,
            VolunteerRow.region,
        )
        .join(VolunteerRow, VolunteerRow.id == CertificationRow.volunteer_id)
        .where(CertificationRow.revoked_at.is_(None))
        .where(CertificationRow.valid_until.between(today, horizon))
        .order_by(CertificationRow.id)  # keyset pages: rows already notified are passed over
        .limit(limit)
    )
    if after is not None:
        query = query.where(CertificationRow.id > after)
    rows = (await session.execute(query)).all()
    sent = await _sent(session, [r.id for r in rows])
    staged = 0
    for row in rows:
        days = notice_due(row.valid_until, today, sent.get(row.id, set()))
        if days is None:
            continue
        session.add(ExpiryNoticeRow(certification_id=row.id, days=days, sent_at=datetime.now(UTC)))
        event = CertificationExpiring(
            volunteer_id=row.volunteer_id,
            certification_id=row.id,
            valid_until=row.valid_until,
            days_left=(row.valid_until - today).days,
        )
        await outbox.stage(
            session,
            wrap(event, source=SOURCE, subject=f"volunteer/{row.volunteer_id}", region=row.region),
        )
        staged += 1
    return staged, (rows[-1].id if len(rows) == limit else None)


async def _sent(session: AsyncSession, ids: list[object]) -> dict[object, set[int]]:
    if not ids:
        return {}
    query = select(ExpiryNoticeRow.certification_id, ExpiryNoticeRow.days).where(
        ExpiryNoticeRow.certification_id.in_(ids)
    )
    sent: dict[object, set[int]] = {}
    for certification_id, days in (await session.execute(query)).all():
        sent.setdefault(certification_id, set()).add(days)
    return sent


async def _expired(session: AsyncSession, outbox: Outbox, today: date, limit: int) -> int:
    query = (
        select(CertificationRow.id, CertificationRow.volunteer_id, VolunteerRow.region)
        .join(VolunteerRow, VolunteerRow.id == CertificationRow.volunteer_id)
        .where(CertificationRow.valid_until < today)
        .where(CertificationRow.expired_announced.is_(False))
        .where(CertificationRow.revoked_at.is_(None))
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    for row in rows:
        event = CertificationExpired(volunteer_id=row.volunteer_id, certification_id=row.id)
        await outbox.stage(
            session,
            wrap(event, source=SOURCE, subject=f"volunteer/{row.volunteer_id}", region=row.region),
        )
    if rows:
        ids = [r.id for r in rows]
        await session.execute(
            update(CertificationRow)
            .where(CertificationRow.id.in_(ids))
            .values(expired_announced=True)
        )
    return len(rows)
