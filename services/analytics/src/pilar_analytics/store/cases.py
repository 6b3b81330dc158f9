"""PMKS figures as of a moment: open cases per region, category and stage; the referral funnel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.cases import STAGES
from pilar_analytics.domain.regions import RowLevel
from pilar_analytics.store.scope import by, group, in_scope, not_yet
from pilar_analytics.store.snapshots import touched_rows
from pilar_analytics.store.stats import Ranking
from pilar_analytics.store.tables import CaseRow, ReferralRow

cases = CaseRow.__table__
referrals = ReferralRow.__table__
FUNNEL = ("referred", "accepted", "declined", "expired", "withdrawn", "completed")


def open_at(rows: Any, at: datetime) -> list[Any]:
    """Conditions of a case opened by ``at`` and not closed by then."""
    return [by(rows.c.opened_at, at), not_yet(rows.c.closed_at, at)]


def stage_at(rows: Any, at: datetime) -> Any:
    """The stage of a case at ``at``: the latest milestone reached by then."""
    whens = [(by(rows.c[column], at), stage) for column, stage in STAGES[:-1]]
    return case(*whens, else_=STAGES[-1][1])


async def open_cases(
    session: AsyncSession,
    at: datetime,
    region: str,
    level: RowLevel,
    since: datetime | None = None,
) -> list[tuple[str, str, str, int]]:
    """Open cases per region one level down, PMKS category and stage (of rows touched since)."""
    rows = touched_rows(cases, since)
    where, stage = group(rows, level), stage_at(rows, at)
    query = (
        select(where, rows.c.pmks_category, stage, func.count())
        .where(*open_at(rows, at), in_scope(rows, region), where.is_not(None))
        .group_by(where, rows.c.pmks_category, stage)
    )
    return [(w, c, s, int(n)) for w, c, s, n in (await session.execute(query)).all()]


async def open_per_region(
    session: AsyncSession,
    at: datetime,
    region: str,
    level: RowLevel,
    since: datetime | None = None,
) -> dict[str, int]:
    """Open cases per region one level down (of rows touched since)."""
    rows = touched_rows(cases, since)
    where = group(rows, level)
    query = (
        select(where, func.count())
        .where(*open_at(rows, at), in_scope(rows, region), where.is_not(None))
        .group_by(where)
    )
    return {w: int(n) for w, n in (await session.execute(query)).all()}


def _reached(rows: Any, column: str, at: datetime) -> Any:
    return func.coalesce(func.sum(case((by(rows.c[column], at), 1), else_=0)), 0)


async def funnel(
    session: AsyncSession, at: datetime, region: str, since: datetime | None = None
) -> dict[str, int]:
    """Referrals made by ``at``, and accepted, declined, ... by then (of those touched since)."""
    rows = touched_rows(referrals, since)
    columns = [_reached(rows, f"{step}_at", at) for step in FUNNEL]
    query = select(*columns).where(in_scope(rows, region))
    row = (await session.execute(query)).one()
    return {step: int(n) for step, n in zip(FUNNEL, row, strict=True)}


DURATIONS = {"accept": "accepted_at", "complete": "completed_at"}


def durations(region: str, step: str) -> Ranking:
    """The hours from referral to ``accept`` or ``complete``, to be ranked."""

    def ranking(at: datetime, since: datetime | None) -> Any:
        rows = touched_rows(referrals, since)
        hours = rows.c[f"{step}_hours"]
        reached = by(rows.c[DURATIONS[step]], at)
        where = [reached, by(rows.c.referred_at, at), hours.is_not(None), in_scope(rows, region)]
        return hours, where, None

    return ranking
