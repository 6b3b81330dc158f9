"""Cases background jobs: the referral expiry scheduler that keeps referrals moving."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from pilar_cases import usecases
from pilar_cases.domain import CaseRuleBroken, ReferralPolicy
from pilar_cases.store import ConcurrentChange
from pilar_kit.runtime import Runtime

log = logging.getLogger("pilar.cases.expiry")


class ReferralExpiry:
    """Every ``interval`` seconds, expires overdue referrals and escalates their cases."""

    def __init__(self, interval: float, policy: ReferralPolicy, batch: int = 100) -> None:
        self.interval, self.policy, self.batch = interval, policy, batch

    async def run(self, runtime: Runtime) -> None:
        """Scan forever."""
        while True:
            expired = await self.scan(runtime, now=datetime.now(UTC))
            if expired:
                log.info("expired %d overdue referrals", expired)
            await asyncio.sleep(self.interval)

    async def scan(self, runtime: Runtime, *, now: datetime) -> int:
        """Expire what is overdue at ``now``, one referral per transaction; return how many."""
        async with runtime.transaction() as session:
            overdue = await usecases.overdue_referrals(session, now=now, limit=self.batch)
        expired = 0
        for referral_id in overdue:
            try:
                async with runtime.transaction() as session:
                    answered = await usecases.expire_referral(
                        session,
                        runtime.outbox,
                        referral_id=referral_id,
                        policy=self.policy,
                        now=now,
                    )
            except (ConcurrentChange, CaseRuleBroken):
                continue  # answered meanwhile: the pillar's answer wins
            expired += answered is not None
        return expired
