"""A headline figure of one region, day by day, each day counted as of its last moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.api.access import end_of_day
from pilar_analytics.api.schemas import TrendPoint
from pilar_analytics.domain.indicators import coverage_ratio
from pilar_analytics.store import trend

Indicator = Literal["coverage", "cases_open", "referrals_completed"]


def days_until(today: date, days: int) -> list[date]:
    """The last ``days`` days, ending today."""
    return [today - timedelta(days=back) for back in range(days - 1, -1, -1)]


async def points(
    session: AsyncSession, indicator: Indicator, region: str, now: datetime, days: int
) -> list[TrendPoint]:
    """One point per day; today counts as of now (the end of today has not come yet)."""
    dates = days_until(now.date(), days)
    moments = [min(end_of_day(day), now) for day in dates]
    values: list[float | None]
    if indicator == "cases_open":
        values = [float(n) for n in await trend.open_cases(session, region, moments)]
    elif indicator == "referrals_completed":
        values = [float(n) for n in await trend.completed(session, region, moments)]
    else:
        opened = await trend.open_cases(session, region, moments)
        active = await trend.psks_active(session, region, moments)
        values = [coverage_ratio(a, o) for a, o in zip(active, opened, strict=True)]
    return [TrendPoint(date=d.isoformat(), value=v) for d, v in zip(dates, values, strict=True)]
