"""Disaster declarations: record the decree, move its emergency status, within one's authority."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_cases.domain import disasters as domain
from pilar_cases.domain.disasters import Declaration, Disaster
from pilar_cases.store.disasters import Disasters
from pilar_cases.usecases.events import announce
from pilar_cases.usecases.intake import Finding, Refused
from pilar_cases.usecases.scope import OutOfScope
from pilar_contracts.events.fields import DisasterStatus
from pilar_kit.auth import Principal
from pilar_kit.auth.principal import region_contains
from pilar_kit.outbox import Outbox


def _touches(who: Principal, region: str) -> bool:
    """Whether a region lies within the principal's, or contains it (a province-wide disaster)."""
    return who.can_access_region(region) or region_contains(region, who.region)


def visible(disaster: Disaster, who: Principal) -> bool:
    """Whether an operator may see a disaster: declared within its area or affecting it."""
    return who.can_access_region(disaster.authority_region) or any(
        _touches(who, r) for r in disaster.affected_regions
    )


async def disaster_for(session: AsyncSession, disaster_id: UUID, who: Principal) -> Disaster:
    """Load a disaster the caller may see; LookupError if absent, OutOfScope if not theirs."""
    disaster = await Disasters(session).get(disaster_id)
    if disaster is None:
        raise LookupError(disaster_id)
    if not visible(disaster, who):
        raise OutOfScope
    return disaster


async def declare_disaster(
    session: AsyncSession,
    outbox: Outbox,
    *,
    declaration: Declaration,
    who: Principal,
    now: datetime,
) -> Disaster:
    """Record a declaration made by an authority within the operator's region; announce it."""
    area, findings = domain.check(declaration)
    if findings:
        raise Refused([Finding(code, message) for code, message in findings])
    if not who.can_access_region(area):
        raise OutOfScope
    disaster, event = domain.declare(
        declaration, disaster_id=uuid7(), authority_region=area, by=who.subject, now=now
    )
    await Disasters(session).add(disaster)
    subject = f"disaster/{disaster.id}"
    await announce(session, outbox, region=area, subject=subject, events=[event])
    return disaster


async def change_disaster_status(
    session: AsyncSession,
    outbox: Outbox,
    *,
    disaster_id: UUID,
    to: DisasterStatus,
    decree_no: str,
    start: date,
    end: date | None,
    who: Principal,
    now: datetime,
) -> Disaster:
    """Move a disaster to its next emergency stage under a new decree, by its authority's area."""
    disaster = await disaster_for(session, disaster_id, who)
    if not who.can_access_region(disaster.authority_region):
        raise OutOfScope
    moved, event = domain.change_status(disaster, to, decree_no=decree_no, start=start, end=end)
    await Disasters(session).save(moved, by=who.subject, at=now)
    subject = f"disaster/{disaster.id}"
    await announce(
        session, outbox, region=disaster.authority_region, subject=subject, events=[event]
    )
    return moved
