"""A call-out backlog keeps a small share of every round for routine reminders, on both databases.

The dispatcher runs one round by hand against a real local gateway, so that what the gateway
received is exactly that round.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pilar_kit.natsserver import NatsServer
from pilar_notifications.store import NotificationRow
from tests.integration.test_notifications_gateway import serving_http
from tests.integration.test_notifications_ratelimit import (
    config_for,
    queue,
    throttling_gateway,
    without_loop,
)

URGENT, ROUTINE = 0, 1


@pytest.mark.parametrize(
    ("share", "reminders", "expected_routine"),
    [
        (0.2, 5, 2),  # 20% of a round of 10 is kept for reminders while call-outs wait
        (0.2, 1, 1),  # a reminder fewer than the share leaves the rest to call-outs
        (0.2, 0, 0),  # no reminders: call-outs take the whole round
        (0.0, 5, 0),  # no share: call-outs first, as strictly as before
    ],
)
async def test_a_round_keeps_a_share_for_routine_while_a_call_out_waits(
    database_url: str,
    nats_server: NatsServer,
    tmp_path: Path,
    share: float,
    reminders: int,
    expected_routine: int,
) -> None:
    batch = 10
    async with throttling_gateway(set()) as (gateway, port):
        config = config_for(
            database_url,
            nats_server.url,
            tmp_path,
            port,
            dispatch_batch=batch,
            dispatch_routine_share=share,
        )
        async with without_loop(config) as (runtime, dispatcher):
            earlier = datetime.now(UTC) - timedelta(minutes=10)
            routine = [f"+6281300{n:04d}" for n in range(reminders)]
            urgent = [f"+6281399{n:04d}" for n in range(3 * batch)]
            await queue(runtime, routine, ROUTINE, earlier)
            await queue(runtime, urgent, URGENT, earlier)
            tried = await dispatcher.dispatch_due(runtime)

    order = [to for _, to, _ in gateway.seen]
    assert tried == batch
    assert len(order) == batch
    sent_routine = [to for to in order if to in routine]
    assert len(sent_routine) == expected_routine
    assert order[batch - expected_routine :] == sent_routine  # urgent first within the round


async def test_a_stopped_loop_gives_back_the_round_it_claimed_but_did_not_send(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    batch = 2
    async with held_gateway() as (held, port):
        config = config_for(
            database_url, nats_server.url, tmp_path, port, dispatch_batch=batch, gateway_timeout=30
        )
        async with without_loop(config) as (runtime, dispatcher):
            earlier = datetime.now(UTC) - timedelta(minutes=10)
            await queue(runtime, [f"+6281377{n:04d}" for n in range(2 * batch)], URGENT, earlier)
            loop = asyncio.create_task(dispatcher.run(runtime))
            await held.arrived.wait()  # the first round is being sent, the second claimed
            await asyncio.sleep(0.3)
            loop.cancel()
            with pytest.raises(asyncio.CancelledError):
                await loop
            stopped = datetime.now(UTC)
            async with runtime.transaction() as session:
                due_at = (await session.execute(select(NotificationRow.next_attempt_at))).scalars()
                lease_ends = sorted(due_at)
    # the round in flight keeps its lease (at least once); the other one is due again now
    assert [at <= stopped for at in lease_ends] == [True] * batch + [False] * batch


@asynccontextmanager
async def held_gateway() -> AsyncIterator[tuple[HeldGateway, int]]:
    """An SMS gateway that keeps every request waiting until the test ends."""
    held = HeldGateway()
    async with serving_http([Route("/sms", held.receive, methods=["POST"])]) as port:
        try:
            yield held, port
        finally:
            held.release.set()


@dataclass
class HeldGateway:
    """Takes requests and answers none of them until released."""

    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def receive(self, request: Request) -> JSONResponse:
        """Hold the request."""
        self.arrived.set()
        await self.release.wait()
        return JSONResponse({"status": "ok"})
