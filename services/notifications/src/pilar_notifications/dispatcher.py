"""The delivery loop: sends due notifications outside any transaction, then records the outcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from random import Random

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter

from pilar_kit.runtime import Runtime
from pilar_notifications import usecases
from pilar_notifications.channels import Channel, DeliveryFailed
from pilar_notifications.policy import RetryPolicy, channel_plan, next_channel
from pilar_notifications.settings import NotificationsSettings
from pilar_notifications.store import NotificationRow, RecipientRow
from pilar_notifications.templates import render

log = logging.getLogger("pilar.notifications.dispatcher")
tracer = trace.get_tracer("pilar.notifications")


class Dispatcher:
    """Delivers pending notifications through their channel."""

    def __init__(
        self,
        settings: NotificationsSettings,
        channels: dict[str, Channel],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: Random | None = None,
    ) -> None:
        self.settings, self.channels, self.clock = settings, channels, clock
        self.rng = rng or Random()  # jitter, not secrecy
        self.policy = RetryPolicy(
            settings.max_attempts, settings.retry_base_seconds, settings.retry_cap_seconds
        )
        self.outcomes: Counter | None = None

    async def run(self, runtime: Runtime) -> None:
        """Deliver forever: whenever something is due, else poll."""
        if self.outcomes is None:  # once: a restarted loop must not register the metric again
            self.outcomes = Counter(
                "pilar_notifications_total",
                "Notification attempts by channel and outcome",
                ["channel", "outcome"],
                registry=runtime.registry,
            )
        while True:
            if not await self.dispatch_due(runtime):
                await asyncio.sleep(self.settings.dispatch_poll_seconds)

    async def dispatch_due(self, runtime: Runtime, limit: int = 50) -> int:
        """Deliver one batch of due notifications; return how many were attempted."""
        async with runtime.transaction() as session:
            batch = await usecases.due(session, self.clock(), limit)
        for notification, recipient in batch:
            await self._deliver(runtime, notification, recipient)
        return len(batch)

    async def _deliver(
        self, runtime: Runtime, row: NotificationRow, recipient: RecipientRow | None
    ) -> None:
        parent = propagate.extract({"traceparent": row.traceparent} if row.traceparent else {})
        with tracer.start_as_current_span(
            f"notify {row.template}", context=parent, kind=SpanKind.PRODUCER
        ):
            if recipient is None:
                await self._await_contact(runtime, row)
            else:
                await self._attempt(runtime, row, recipient)

    async def _attempt(
        self, runtime: Runtime, row: NotificationRow, recipient: RecipientRow
    ) -> None:
        plan = self._plan(recipient)
        channel = row.channel if row.channel_attempts and row.channel in plan else None
        channel = channel or next_channel(plan, row.channels_tried) or row.channel
        try:
            await self._send(row, recipient, channel)
        except DeliveryFailed as failed:
            self._count(channel, failed.reason_code)
            async with runtime.transaction() as session:
                await usecases.mark_attempt_failed(
                    session,
                    runtime.outbox,
                    row.id,
                    channel=channel,
                    reason=failed.reason_code,
                    permanent=failed.permanent,
                    plan=plan,
                    policy=self.policy,
                    now=self.clock(),
                    rng=self.rng,
                )
            return
        self._count(channel, "delivered")
        async with runtime.transaction() as session:
            await usecases.mark_delivered(session, runtime.outbox, row.id, channel=channel)

    def _plan(self, recipient: RecipientRow) -> tuple[str, ...]:
        reachable = [c for c in self.channels if _address(recipient, c)]
        return channel_plan(recipient.preferred_channels or (), reachable)

    async def _send(self, row: NotificationRow, recipient: RecipientRow, channel: str) -> None:
        sender, address = self.channels.get(channel), _address(recipient, channel)
        if sender is None or not address:
            raise DeliveryFailed("no_address", permanent=True)
        params = {**row.params, "display_name": recipient.display_name}
        await sender.send(address, render(row.template, channel, params))

    async def _await_contact(self, runtime: Runtime, row: NotificationRow) -> None:
        give_up = self.clock() - timedelta(seconds=self.settings.contact_wait_seconds)
        async with runtime.transaction() as session:
            waiting = await usecases.wait_for_contact(
                session, row.id, give_up_if_created_before=give_up
            )
            if not waiting:
                await usecases.give_up(session, runtime.outbox, row.id, "no_contact")

    def _count(self, channel: str, outcome: str) -> None:
        if self.outcomes is not None:
            self.outcomes.labels(channel, outcome).inc()


def _address(recipient: RecipientRow, channel: str) -> str | None:
    if channel == "email":
        return recipient.email
    if channel == "whatsapp":
        return recipient.whatsapp or recipient.phone
    return recipient.phone if channel == "sms" else None
