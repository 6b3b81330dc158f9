"""The kit's nats-py fast paths against a real nats-server: fetch, acknowledge, headers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import MsgAlreadyAckdError
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig

from pilar_kit import natsfast
from pilar_kit.natsserver import NatsServer

pytestmark = pytest.mark.integration

N = 120
HEADERS = {"ce-id": "x", "Nats-Msg-Id": "", "traceparent": "00-ab-cd-01", "ce-subject": "D\u00e9sa"}


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    """A connection with the fast paths installed, and a stream of N messages."""
    assert natsfast.install()
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="FAST", subjects=["fast.>"]))
    for n in range(N):
        await js.publish(f"fast.{n}", str(n).encode(), headers={**HEADERS, "Nats-Msg-Id": str(n)})
    try:
        yield nc
    finally:
        await nc.close()


async def test_fetch_takes_every_message_in_order_and_ack_all_settles_them(nc: Client) -> None:
    js = nc.jetstream()
    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, max_ack_pending=1000)
    sub = await js.pull_subscribe("fast.>", durable="fast", config=config)
    msgs: list[Msg] = []
    while len(msgs) < N:
        msgs += await sub.fetch(50, timeout=2)
    assert [int(m.data) for m in msgs] == list(range(N))
    assert msgs[7].headers == {**HEADERS, "Nats-Msg-Id": "7"}  # sent and parsed by the kit
    assert sub._sub._pending_size == 0
    await natsfast.ack_all(msgs)
    with pytest.raises(MsgAlreadyAckdError):
        await natsfast.ack_all(msgs[:1])
    for _ in range(50):
        info = await js.consumer_info("FAST", "fast")
        if info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.05)
    assert (info.num_ack_pending, info.num_pending, info.num_redelivered) == (0, 0, 0)
    with pytest.raises(nats.errors.TimeoutError):
        await sub.fetch(1, timeout=0.3)  # nothing queued: nats-py's own wait, and its timeout


async def test_unacknowledged_messages_come_back(nc: Client) -> None:
    js = nc.jetstream()
    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=1)
    sub = await js.pull_subscribe("fast.>", durable="again", config=config)
    first = await sub.fetch(10, timeout=2)
    await natsfast.ack_all(first[:5])
    await asyncio.sleep(1.5)
    again = await sub.fetch(10, timeout=2)
    assert [int(m.data) for m in again][:5] == [5, 6, 7, 8, 9]  # only the unacknowledged
