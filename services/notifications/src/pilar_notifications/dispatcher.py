"""The delivery loop: claims due notifications, sends them outside any transaction, records them.

Each round claims urgent notifications and a small reserved share of routine ones (so that
reminders keep flowing during a call-out), sends the urgent lane completely before the routine
one, takes a token of the gateway's bucket for every send in that order, and records the round
in one transaction while the next round is already being sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import groupby
from random import Random

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from sqlalchemy import func, select

from pilar_kit.runtime import Runtime
from pilar_kit.telemetry import spans_exported
from pilar_notifications import delivery
from pilar_notifications.channels import Channel, DeliveryFailed
from pilar_notifications.delivery import Due, Outcome, Pending, Recipient
from pilar_notifications.metrics import OTHER, NotificationMetrics, lane, metrics_for, reason_label
from pilar_notifications.policy import RetryPolicy, channel_plan, next_channel
from pilar_notifications.ratelimit import Limits
from pilar_notifications.rules import Priority
from pilar_notifications.settings import NotificationsSettings
from pilar_notifications.store import NotificationRow
from pilar_notifications.templates import DEFAULT_LANGUAGE, render, warm_up
from pilar_notifications.usecases import DELIVERED, PENDING

log = logging.getLogger("pilar.notifications.dispatcher")
tracer = trace.get_tracer("pilar.notifications")
DEPTH_EVERY_SECONDS = 1.0


class Dispatcher:
    """Delivers pending notifications through their channel."""

    def __init__(
        self,
        settings: NotificationsSettings,
        channels: dict[str, Channel],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: Random | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.settings, self.channels, self.clock = settings, channels, clock
        self.rng = rng or Random()  # jitter, not secrecy
        self.policy = RetryPolicy(
            settings.max_attempts, settings.retry_base_seconds, settings.retry_cap_seconds
        )
        self.limits = limits or Limits(settings.rate_limits)
        self.metrics: NotificationMetrics | None = None
        self._depth_seen = float("-inf")

    async def run(self, runtime: Runtime) -> None:
        """Deliver forever: whenever something is due, else poll.

        While a round is sent, the next one is already claimed (its rows are leased, so the
        two never overlap) and the previous one recorded, so that neither the gateways nor
        the database wait on each other; one claim and one recording are in flight at most.
        """
        # A restarted loop (or a second dispatcher) must not register the metrics again.
        self.metrics = self.metrics or metrics_for(runtime.registry)
        warm_up()
        claiming: asyncio.Task[list[Due]] | None = None
        recording: asyncio.Task[None] | None = None
        try:
            while True:
                if claiming is None:
                    claiming = asyncio.create_task(self._claim(runtime))
                batch = await claiming
                claiming = asyncio.create_task(self._claim(runtime)) if batch else None
                outcomes = await self._send_batch(batch)
                if recording is not None:
                    done, recording = recording, None
                    await done
                if outcomes:
                    recording = asyncio.create_task(self._record(runtime, outcomes))
                if time.monotonic() - self._depth_seen >= DEPTH_EVERY_SECONDS:
                    self._depth_seen = time.monotonic()
                    await self.watch_depth(runtime)
                if not batch:
                    await asyncio.sleep(self.settings.dispatch_poll_seconds)
        finally:
            if claiming is not None:
                await self._give_back(runtime, claiming)
            if recording is not None:
                await _settle(recording)
            await self.aclose()

    async def _give_back(self, runtime: Runtime, claiming: asyncio.Task[list[Due]]) -> None:
        """Return a round claimed but never sent, so that it need not wait out its lease."""
        claiming.cancel()
        try:
            ids = [due.notification.id for due in await asyncio.shield(claiming)]
            async with runtime.transaction() as session:
                await delivery.release(session, ids, self.clock())
        except asyncio.CancelledError:
            return  # the claim was rolled back: nothing is leased
        except Exception:  # the lease runs out and they come due again
            log.exception("giving back an unsent round failed")

    async def aclose(self) -> None:
        """Let go of the channels' pooled connections (they open again on the next send)."""
        for channel in self.channels.values():
            await channel.aclose()

    async def dispatch_due(self, runtime: Runtime, limit: int | None = None) -> int:
        """Deliver one batch of due notifications, lane by lane; return how many were tried."""
        batch = await self._claim(runtime, limit)
        for _, lane_batch in groupby(batch, key=lambda due: due.notification.priority):
            await self._record(runtime, await self._send_lane(list(lane_batch)))
        return len(batch)

    async def _claim(self, runtime: Runtime, limit: int | None = None) -> list[Due]:
        lease = timedelta(seconds=self.settings.dispatch_lease_seconds)
        async with runtime.transaction() as session:
            return await delivery.claim_due(
                session,
                self.clock(),
                limit or self.settings.dispatch_batch,
                lease,
                self.settings.dispatch_routine_share,
            )

    async def _send_batch(self, batch: list[Due]) -> list[Outcome]:
        """Send a claimed batch lane by lane (urgent first) and return every outcome."""
        outcomes: list[Outcome] = []
        for _, lane_batch in groupby(batch, key=lambda due: due.notification.priority):
            outcomes += await self._send_lane(list(lane_batch))
        return outcomes

    async def _record(self, runtime: Runtime, outcomes: list[Outcome]) -> None:
        async with runtime.transaction() as session:
            settled = await delivery.record(
                session,
                runtime.outbox,
                outcomes,
                policy=self.policy,
                now=self.clock(),
                rng=self.rng,
                contact_wait=timedelta(seconds=self.settings.contact_wait_seconds),
            )
        self._observe(settled)

    async def _send_lane(self, lane_batch: list[Due]) -> list[Outcome]:
        """Send a lane's notifications concurrently, taking gateway tokens in lane order."""
        slots = asyncio.Semaphore(self.settings.dispatch_concurrency)
        waiting: list[Outcome] = []
        sends: list[asyncio.Task[Outcome]] = []
        for due in lane_batch:
            if due.recipient is None:
                waiting.append(Outcome(due.notification, None))
                continue
            plan = self._plan(due.recipient)
            channel = _channel(due.notification, plan)
            await slots.acquire()
            await self.limits.acquire(channel)
            sends.append(asyncio.create_task(self._attempt(due, plan, channel, slots)))
        return waiting + list(await asyncio.gather(*sends))

    async def _attempt(
        self, due: Due, plan: tuple[str, ...], channel: str, slots: asyncio.Semaphore
    ) -> Outcome:
        row = due.notification
        try:
            if not spans_exported():
                # A span nobody receives costs more than rendering the message: skip it, and
                # let what the attempt announces continue the cause's trace instead.
                return await self._send(due, plan, channel, row.traceparent)
            parent = propagate.extract({"traceparent": row.traceparent} if row.traceparent else {})
            with tracer.start_as_current_span(
                f"notify {row.template}", context=parent, kind=SpanKind.PRODUCER
            ):
                carrier: dict[str, str] = {}
                propagate.inject(carrier)
                return await self._send(due, plan, channel, carrier.get("traceparent"))
        finally:
            slots.release()

    async def _send(
        self, due: Due, plan: tuple[str, ...], channel: str, traceparent: str | None
    ) -> Outcome:
        row, recipient = due.notification, due.recipient
        assert recipient is not None
        sender, address = self.channels.get(channel), _address(recipient, channel)
        if self.metrics:
            self.metrics.sent.labels(channel).inc()
        try:
            if sender is None or not address:
                raise DeliveryFailed("no_address", permanent=True)
            language = due.language or recipient.language or DEFAULT_LANGUAGE
            message = render(row.template, channel, _params(row, recipient), language)
            await sender.send(address, replace(message, key=str(row.id)))
        except DeliveryFailed as failed:
            return self._failed(row, plan, channel, failed, traceparent)
        except Exception:  # a bug in a channel must not lose the round; retried like a failure
            log.exception("channel %s crashed", channel)
            crashed = DeliveryFailed("internal_error")
            return self._failed(row, plan, channel, crashed, traceparent)
        return Outcome(row, channel, plan, traceparent=traceparent)

    def _failed(
        self,
        row: Pending,
        plan: tuple[str, ...],
        channel: str,
        failed: DeliveryFailed,
        traceparent: str | None,
    ) -> Outcome:
        not_before = None
        if failed.reason_code.endswith("_throttled"):
            pause = failed.retry_after or self.settings.throttled_pause_seconds
            self.limits.pause(channel, pause)
            not_before = self.clock() + timedelta(seconds=pause)
        if self.metrics:
            self.metrics.attempt_failed(channel, failed.reason_code)
        return Outcome(
            row, channel, plan, failed.reason_code, failed.permanent, not_before, traceparent
        )

    def _plan(self, recipient: Recipient) -> tuple[str, ...]:
        reachable = [c for c in self.channels if _address(recipient, c)]
        return channel_plan(recipient.preferred_channels or (), reachable)

    def _observe(self, settled: list[Pending]) -> None:
        if self.metrics is None:
            return
        for row in settled:
            if row.status == DELIVERED:
                self.metrics.delivered.labels(row.channel).inc()
                if row.cause_time and row.delivered_at:
                    delay = (row.delivered_at - row.cause_time).total_seconds()
                    self.metrics.delay.labels(row.channel).observe(max(0.0, delay))
            else:
                self.metrics.undeliverable.labels(reason_label(row.last_error or OTHER)).inc()

    async def watch_depth(self, runtime: Runtime) -> None:
        """Count pending notifications per lane (the loop does it at most once a second)."""
        if self.metrics is None:
            return
        query = (
            select(NotificationRow.priority, func.count())
            .where(NotificationRow.status == PENDING)
            .group_by(NotificationRow.priority)
        )
        async with runtime.transaction() as session:
            counts: dict[int, int] = dict((await session.execute(query)).all())
        for priority in Priority:
            self.metrics.queue_depth.labels(lane(priority)).set(counts.get(priority, 0))


async def _settle(recording: asyncio.Task[None]) -> None:
    """Let the last round's recording finish on the way out, so that what was sent is recorded."""
    try:
        await asyncio.shield(recording)
    except Exception:  # the leases run out and the round's notifications come due again
        log.exception("recording the last round failed")


def _channel(row: Pending, plan: tuple[str, ...]) -> str:
    """The channel being tried, else the first of the plan not tried yet."""
    current = row.channel if row.channel_attempts and row.channel in plan else None
    return current or next_channel(plan, row.channels_tried) or row.channel


def _params(row: Pending, recipient: Recipient) -> dict[str, object]:
    return {
        **row.params,
        "display_name": recipient.display_name,
        "notification_id": str(row.id),
        "cause_event_id": str(row.cause_event_id),
        "cause_type": row.cause_type,
        "cause_region": row.cause_region,
    }


def _address(recipient: Recipient, channel: str) -> str | None:
    if channel == "email":
        return recipient.email
    if channel == "whatsapp":
        return recipient.whatsapp or recipient.phone
    if channel == "webhook":
        return str(recipient.person_id) if recipient.person_kind == "system" else None
    return recipient.phone if channel == "sms" else None
