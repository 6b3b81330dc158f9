"""The watch: refreshes the headline gauges and announces coverage falling below target.

It looks every ``watch_seconds`` rather than after each batch, so applying events stays as fast
as the stream; one instance at a time announces (the others only refresh their gauges).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pilar_analytics.domain.callouts import callouts
from pilar_analytics.domain.indicators import Coverage, below_target
from pilar_analytics.domain.thresholds import INDICATOR, Crossing, crossings
from pilar_analytics.indicators.coverage import coverage_at
from pilar_analytics.metrics import AnalyticsMetrics
from pilar_analytics.settings import AnalyticsSettings
from pilar_analytics.store import alerts, figures, snapshots
from pilar_analytics.store.response import responses
from pilar_contracts import Outgoing, wrap
from pilar_contracts.events.analytics import SOURCE, IndicatorThresholdCrossed
from pilar_kit.leader import leadership_for
from pilar_kit.runtime import Runtime

log = logging.getLogger("pilar.analytics.watch")


async def one_snapshot(session: AsyncSession) -> None:
    """Read a look's figures from one snapshot, so provinces and regencies agree.

    PostgreSQL's default (read committed) reads each statement afresh, while events are being
    applied; SQLite's transactions begin with ``BEGIN IMMEDIATE`` and see one state already.
    """
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


class Watch:
    """Headline metrics and threshold crossings, refreshed on a timer."""

    def __init__(self, settings: AnalyticsSettings) -> None:
        self.target, self.interval = settings.coverage_target, settings.watch_seconds
        self.metrics: AnalyticsMetrics | None = None
        self.pruned_on: date | None = None  # the day this instance last pruned snapshots

    async def run(self, runtime: Runtime) -> None:
        """Look forever; only the leader announces crossings."""
        if self.metrics is None:  # once: a restarted loop must not register the gauges again
            self.metrics = AnalyticsMetrics(runtime.registry)
        leadership = leadership_for(runtime.engine, "pilar-analytics-watch")
        try:
            while True:
                await self.look(runtime, announce=await leadership.acquire())
                await asyncio.sleep(self.interval)
        finally:
            await leadership.release()

    async def look(self, runtime: Runtime, *, announce: bool) -> list[Crossing]:
        """Refresh the gauges; when ``announce``, stage the crossings since the last look."""
        now = datetime.now(UTC)
        if announce:  # one instance is enough to drop the snapshots of days gone by
            await self.prune(runtime, now)
        async with runtime.transaction() as session:
            await one_snapshot(session)
            provinces = await coverage_at(session, now, "", "province")
            regencies = await coverage_at(session, now, "", "regency") if announce else {}
            await self._show(session, now, provinces)
            if not announce:
                return []
            ratios = {code: row.ratio for code, row in (provinces | regencies).items()}
            found = crossings(ratios, await alerts.below_now(session), self.target)
            await runtime.outbox.stage(session, *(self._event(c) for c in found if c.announce))
            await alerts.record(session, found, now)
        if self.metrics is not None:
            self.metrics.below_target.set(
                sum(below_target(r, self.target) for r in ratios.values())
            )
        for crossing in found:
            log.info(
                "coverage of %s %s target",
                crossing.region,
                "below" if crossing.below else "back to",
            )
        return found

    async def prune(self, runtime: Runtime, now: datetime) -> None:
        """Drop the snapshots of days gone by, once a day.

        A figure as of an older day is counted whole when asked for and kept; pruned at every
        look, it would be counted whole again at the next request, all day long.
        """
        if self.pruned_on == now.date():
            return
        async with runtime.transaction() as session:
            await snapshots.prune(session, now)
        self.pruned_on = now.date()

    async def _show(
        self, session: AsyncSession, now: datetime, provinces: dict[str, Coverage]
    ) -> None:
        """Set the gauges of the headline figures and the call-outs per province."""
        if self.metrics is None:
            return
        self.metrics.show(provinces, await figures.funnel(session, now, ""))
        self.metrics.show_callouts(callouts(await responses(session, now)))

    def _event(self, crossing: Crossing) -> Outgoing:
        event = IndicatorThresholdCrossed(
            indicator=INDICATOR,
            region=crossing.region,
            value=crossing.ratio or 0.0,
            threshold=self.target,
        )
        subject = f"indicator/{INDICATOR}/{crossing.region}"
        return wrap(event, source=SOURCE, subject=subject, region=crossing.region)
