"""Open cases, the referral funnel and PSM activity, for the rows of a region."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.api.schemas import (
    CasesRowPublic,
    PsmRowPublic,
    ReferralsPublic,
    Spread,
)
from pilar_analytics.domain.indicators import MEDIAN, P90, per, quantile
from pilar_analytics.domain.regions import row_codes, row_level
from pilar_analytics.store import figures
from pilar_analytics.store.stats import Ranked
from pilar_contracts.reference.regions import region_name

DAY_SECONDS = 86400


async def case_rows(session: AsyncSession, at: datetime, region: str) -> list[CasesRowPublic]:
    """Open cases per row of a region, by PMKS category and by stage."""
    rows = {
        code: CasesRowPublic(
            region=code, name=region_name(code), open=0, by_category={}, by_stage={}
        )
        for code in row_codes(region)
    }
    for code, category, stage, count in await figures.open_cases(
        session, at, region, row_level(region)
    ):
        row = rows.get(code)
        if row is None:  # a code no longer in the current Kepmendagri table
            continue
        row.open += count
        row.by_category[category] = row.by_category.get(category, 0) + count
        row.by_stage[stage] = row.by_stage.get(stage, 0) + count
    return list(rows.values())


def spread(ranked: Ranked) -> Spread:
    """Median and p90 from the order statistics of one partition."""
    count, values = next(iter(ranked.values()), (0, {}))
    return Spread(median=quantile(values, count, MEDIAN), p90=quantile(values, count, P90))


async def referral_funnel(session: AsyncSession, at: datetime, region: str) -> ReferralsPublic:
    """How many referrals were made, answered and completed, and how long that took."""
    counts = await figures.funnel(session, at, region)
    return ReferralsPublic(
        as_of=at.isoformat(),
        **counts,
        time_to_accept_hours=spread(await figures.durations(session, at, region, "accept")),
        time_to_complete_hours=spread(await figures.durations(session, at, region, "complete")),
    )


async def psm_rows(session: AsyncSession, at: datetime, region: str) -> list[PsmRowPublic]:
    """PSM activity per row of a region: how many, how much they did, how long they serve."""
    level = row_level(region)
    active = await figures.active_psm(session, at, region, level)
    done = await figures.completed_by_psm(session, at, region, level)
    starts = await figures.service_start(session, at, region, level)
    rows = []
    for code in row_codes(region):
        count, values = starts.get(code, (0, {}))
        seconds = {rank: at.timestamp() - value for rank, value in values.items()}
        median = quantile(seconds, count, MEDIAN)
        rows.append(
            PsmRowPublic(
                region=code,
                name=region_name(code),
                active_psm=active.get(code, 0),
                referrals_completed=done.get(code, 0),
                referrals_per_psm=per(done.get(code, 0), active.get(code, 0)),
                median_service_days=None if median is None else median / DAY_SECONDS,
            )
        )
    return rows
