"""The delivery loop: sends due notifications outside any transaction, then records the outcome."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter

from pilar_kit.runtime import Runtime
from pilar_notifications import usecases
from pilar_notifications.channels import Channel, DeliveryFailed
from pilar_notifications.settings import NotificationsSettings
from pilar_notifications.store import NotificationRow, RecipientRow
from pilar_notifications.templates import render

log = logging.getLogger("pilar.notifications.dispatcher")
tracer = trace.get_tracer("pilar.notifications")


class Dispatcher:
    """Delivers pending notifications through their channel."""

    def __init__(self, settings: NotificationsSettings, channels: dict[str, Channel]) -> None:
        self.settings, self.channels = settings, channels
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
        now = datetime.now(UTC)
        async with runtime.transaction() as session:
            batch = await usecases.due(session, now, limit)
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
                return
            try:
                await self._send(row, recipient)
            except DeliveryFailed as failed:
                self._count(row.channel, failed.reason_code)
                async with runtime.transaction() as session:
                    await usecases.mark_attempt_failed(
                        session,
                        runtime.outbox,
                        row.id,
                        failed.reason_code,
                        max_attempts=self.settings.max_attempts,
                    )
                return
            self._count(row.channel, "delivered")
            async with runtime.transaction() as session:
                await usecases.mark_delivered(session, runtime.outbox, row.id)

    async def _send(self, row: NotificationRow, recipient: RecipientRow) -> None:
        channel = self.channels.get(row.channel)
        address = recipient.email if row.channel == "email" else recipient.phone
        if channel is None or not address:
            raise DeliveryFailed("no_address")
        params = {**row.params, "display_name": recipient.display_name}
        await channel.send(address, render(row.template, row.channel, params))

    async def _await_contact(self, runtime: Runtime, row: NotificationRow) -> None:
        give_up = datetime.now(UTC) - timedelta(seconds=self.settings.contact_wait_seconds)
        async with runtime.transaction() as session:
            waiting = await usecases.wait_for_contact(
                session, row.id, give_up_if_created_before=give_up
            )
            if not waiting:
                await usecases.mark_attempt_failed(
                    session, runtime.outbox, row.id, "no_contact", max_attempts=1
                )

    def _count(self, channel: str, outcome: str) -> None:
        if self.outcomes is not None:
            self.outcomes.labels(channel, outcome).inc()
