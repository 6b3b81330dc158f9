"""Per-gateway rate limits against a real local gateway that throttles, on both databases.

The dispatcher runs by hand here (no background loop) so that a test can queue both lanes first.
Time is only ever bounded from below: a slow machine spreads requests out, it never crowds them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pilar_kit.natsserver import NatsServer
from pilar_kit.runtime import Runtime
from pilar_notifications.app import MIGRATIONS, channels_from
from pilar_notifications.dispatcher import Dispatcher
from pilar_notifications.metrics import metrics_for
from pilar_notifications.settings import NotificationsSettings, RateLimit
from pilar_notifications.store import Base, NotificationRow, RecipientRow
from tests.integration.test_notifications_gateway import serving_http, settings


@dataclass
class ThrottlingGateway:
    """An SMS gateway that answers 429 with Retry-After to the requests numbered in ``throttle``."""

    throttle: set[int]
    retry_after: str = "1"
    seen: list[tuple[float, str, int]] = field(default_factory=list)  # (arrival, to, status)

    async def receive(self, request: Request) -> JSONResponse:
        """Record the request; throttle it when its number is listed."""
        body = await request.json()
        status = 429 if len(self.seen) + 1 in self.throttle else 200
        self.seen.append((time.monotonic(), body["to"], status))
        headers = {"Retry-After": self.retry_after} if status == 429 else {}
        return JSONResponse({"status": "ok"}, status_code=status, headers=headers)


@asynccontextmanager
async def throttling_gateway(throttle: set[int]) -> AsyncIterator[tuple[ThrottlingGateway, int]]:
    """The gateway on a free local port."""
    fake = ThrottlingGateway(throttle)
    async with serving_http([Route("/sms", fake.receive, methods=["POST"])]) as port:
        yield fake, port


@asynccontextmanager
async def without_loop(config: NotificationsSettings) -> AsyncIterator[tuple[Runtime, Dispatcher]]:
    """The service's runtime with no background jobs, and a dispatcher to drive by hand."""
    runtime = Runtime(
        service="notifications", settings=config, metadata=Base.metadata, migrations=MIGRATIONS
    )
    await runtime.start()
    dispatcher = Dispatcher(config, channels_from(config))
    dispatcher.metrics = metrics_for(runtime.registry)
    try:
        yield runtime, dispatcher
    finally:
        await dispatcher.aclose()
        await runtime.stop()


async def queue(
    runtime: Runtime,
    numbers: list[str],
    priority: int,
    at: datetime,
    cause_time: datetime | None = None,
) -> None:
    """Recipients reachable by SMS only, each with one pending notification due since ``at``."""
    async with runtime.transaction() as session:
        for number in numbers:
            person = uuid4()
            session.add(recipient(person, number))
            session.add(pending(person, priority, at, cause_time))


def recipient(person: UUID, number: str) -> RecipientRow:
    """A volunteer with a phone number only."""
    return RecipientRow(
        person_id=person,
        person_kind="volunteer",
        display_name="Relawan",
        email=None,
        phone=number,
        whatsapp=None,
        preferred_channels=["sms"],
        language="id",
        updated_at=datetime.now(UTC),
        regions=[],
    )


def pending(
    person: UUID, priority: int, at: datetime, cause_time: datetime | None = None
) -> NotificationRow:
    """A call-out (urgent) or a reminder (routine) to a person."""
    urgent = priority == 0
    return NotificationRow(
        id=uuid4(),
        cause_event_id=uuid4(),
        cause_type="test",
        cause_region="33.71",
        recipient_id=person,
        channel="email",
        channels_tried=[],
        priority=priority,
        template="volunteer_deployed" if urgent else "certification_expired",
        params={"task": "evacuation", "report_to_region": "33.71"} if urgent else {},
        status="pending",
        attempts=0,
        channel_attempts=0,
        next_attempt_at=at,
        created_at=at,
        cause_time=cause_time,
    )


async def drain(runtime: Runtime, dispatcher: Dispatcher, deadline: float = 60) -> None:
    """Run dispatch rounds until nothing is pending (a throttled row comes due again)."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if not await dispatcher.dispatch_due(runtime):
            await asyncio.sleep(0.05)  # a throttled notification is not due yet
        async with runtime.transaction() as session:
            left = await session.scalar(
                select(func.count()).where(NotificationRow.status == "pending")
            )
        if not left:
            return
    raise AssertionError("notifications still pending")


def config_for(
    database_url: str, nats_url: str, tmp_path: Path, port: int, **update: Any
) -> NotificationsSettings:
    """Settings pointing SMS at the local gateway."""
    return settings(database_url, nats_url, tmp_path, port, 9).model_copy(update=update)


async def test_urgent_goes_first_and_the_own_limit_holds(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    rate, count = 20.0, 30
    async with throttling_gateway(set()) as (gateway, port):
        config = config_for(
            database_url,
            nats_server.url,
            tmp_path,
            port,
            rate_limits={"sms": RateLimit(per_second=rate)},
            dispatch_concurrency=8,
        )
        async with without_loop(config) as (runtime, dispatcher):
            earlier = datetime.now(UTC) - timedelta(minutes=10)
            routine = [f"+6281100{n:04d}" for n in range(count // 2)]
            urgent = [f"+6281199{n:04d}" for n in range(count // 2)]
            await queue(runtime, routine, 1, earlier)  # waiting longer, but routine
            await queue(runtime, urgent, 0, earlier + timedelta(minutes=5))
            await drain(runtime, dispatcher)

    order = [to for _, to, _ in gateway.seen]
    assert sorted(order[: len(urgent)]) == urgent
    assert sorted(order[len(urgent) :]) == routine
    times = [at for at, _, _ in gateway.seen]
    # one token every 1/rate seconds after the first: the gateway never sees them faster
    assert times[-1] - times[0] >= (count - 1) / rate - 0.3


async def test_a_429_pauses_the_gateway_for_its_retry_after_on_top_of_the_own_limit(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    rate, count, throttled = 10.0, 12, 4
    async with throttling_gateway({throttled}) as (gateway, port):
        config = config_for(
            database_url,
            nats_server.url,
            tmp_path,
            port,
            rate_limits={"sms": RateLimit(per_second=rate)},
            dispatch_concurrency=1,  # nothing is in flight when the 429 comes back
            retry_base_seconds=0.01,
            retry_cap_seconds=0.01,
        )
        async with without_loop(config) as (runtime, dispatcher):
            numbers = [f"+6281200{n:04d}" for n in range(count)]
            await queue(runtime, numbers, 0, datetime.now(UTC) - timedelta(minutes=1))
            await drain(runtime, dispatcher)
            failed = runtime.registry.get_sample_value(
                "pilar_notifications_failed_total",
                {"channel": "sms", "reason": "gateway_throttled"},
            )
            delivered = runtime.registry.get_sample_value(
                "pilar_notifications_delivered_total", {"channel": "sms"}
            )
            async with runtime.transaction() as session:
                rows = (await session.scalars(select(NotificationRow))).all()

    statuses = [status for _, _, status in gateway.seen]
    assert statuses.count(429) == 1
    assert len(statuses) == count + 1  # the throttled one was sent again, once
    refused_at = gateway.seen[throttled - 1][0]
    after = [at for at, _, _ in gateway.seen[throttled:]]
    assert min(after) >= refused_at + 1.0  # Retry-After: 1 held every send back
    assert after[-1] - after[0] >= (len(after) - 1) / rate - 0.3  # and the own limit still holds
    assert {r.status for r in rows} == {"delivered"}
    assert sorted(r.attempts for r in rows) == [1] * (count - 1) + [2]
    assert (failed, delivered) == (1.0, float(count))
