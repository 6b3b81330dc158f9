"""A call-out backlog keeps a small share of every round for routine reminders, on both databases.

The dispatcher runs one round by hand against a real local gateway, so that what the gateway
received is exactly that round.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pilar_kit.natsserver import NatsServer
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
