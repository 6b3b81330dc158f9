"""PMKS figures as of a moment: open cases per region, category and stage; the referral funnel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.cases import STAGES
from pilar_analytics.domain.regions import RowLevel
from pilar_analytics.store.scope import by, group, in_scope, not_yet
from pilar_analytics.store.stats import Ranked, order_statistics
from pilar_analytics.store.tables import CaseRow, ReferralRow

cases = CaseRow.__table__
referrals = ReferralRow.__table__
FUNNEL = ("referred", "accepted", "declined", "expired", "withdrawn", "completed")


def open_at(at: datetime) -> list[Any]:
    """Conditions of a case opened by ``at`` and not closed by then."""
    return [by(cases.c.opened_at, at), not_yet(cases.c.closed_at, at)]


def stage_at(at: datetime) -> Any:
    """The stage of a case at ``at``: the latest milestone reached by then."""
    whens = [(by(cases.c[column], at), stage) for column, stage in STAGES[:-1]]
    return case(*whens, else_=STAGES[-1][1])


async def open_cases(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> list[tuple[str, str, str, int]]:
    """Open cases per region one level down, PMKS category and stage."""
    where, stage = group(cases, level), stage_at(at)
    query = (
        select(where, cases.c.pmks_category, stage, func.count())
        .where(*open_at(at), in_scope(cases, region), where.is_not(None))
        .group_by(where, cases.c.pmks_category, stage)
    )
    return [(w, c, s, int(n)) for w, c, s, n in (await session.execute(query)).all()]


async def open_per_region(
    session: AsyncSession, at: datetime, region: str, level: RowLevel
) -> dict[str, int]:
    """Open cases per region one level down."""
    where = group(cases, level)
    query = (
        select(where, func.count())
        .where(*open_at(at), in_scope(cases, region), where.is_not(None))
        .group_by(where)
    )
    return {w: int(n) for w, n in (await session.execute(query)).all()}


def _reached(column: str, at: datetime) -> Any:
    return func.coalesce(func.sum(case((by(referrals.c[column], at), 1), else_=0)), 0)


async def funnel(session: AsyncSession, at: datetime, region: str) -> dict[str, int]:
    """Referrals made by ``at`` and how many of them were accepted, declined, ... by then."""
    columns = [_reached(f"{step}_at", at) for step in FUNNEL]
    query = select(*columns).where(in_scope(referrals, region))
    row = (await session.execute(query)).one()
    return {step: int(n) for step, n in zip(FUNNEL, row, strict=True)}


DURATIONS = {"accept": "accepted_at", "complete": "completed_at"}


async def durations(session: AsyncSession, at: datetime, region: str, step: str) -> Ranked:
    """Order statistics of the hours from referral to ``accept`` or ``complete``."""
    hours = referrals.c[f"{step}_hours"]
    reached = by(referrals.c[DURATIONS[step]], at)
    where = [
        reached,
        by(referrals.c.referred_at, at),
        hours.is_not(None),
        in_scope(referrals, region),
    ]
    return await order_statistics(session, hours, where)
