"""Raw nats-py baselines: windowed ``publish_async`` and ``fetch`` + ``ack`` on a plain stream.

The baselines of the ratios use 128-byte payloads with a ``Nats-Msg-Id`` header. The same two
loops also run on kit-shaped messages (the real CloudEvents headers and JSON body of the events the
kit carries), for information: the difference is the client's cost of the bigger messages.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import uuid4

import nats.errors
from nats.aio.client import Client
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from bench.report import Rate
from pilar_kit.natsfast import NATS_PY_NEXT_MSG, NATS_PY_SEND_PUBLISH
from pilar_kit.natsheaders import NATS_PY_PARSER

STREAM = "BENCH_RAW"
WARMUP_STREAM, WARMUP_SUBJECT = "BENCH_WARMUP", "bench.warmup"
PAYLOAD_BYTES = 128
STALL_SECONDS = 30.0

Message = tuple[dict[str, str], bytes]


@dataclass(frozen=True)
class Shape:
    """What a baseline sends: a subject of its own and a factory of (headers, body)."""

    name: str
    subject: str
    make: Callable[[int], list[Message]]


@contextmanager
def as_shipped() -> Iterator[None]:
    """nats-py's own code for the block, even after a Runtime installed the kit's fast paths."""
    shipped = (
        (Client, "_parse_header_lines", staticmethod(NATS_PY_PARSER)),
        (Client, "_send_publish", NATS_PY_SEND_PUBLISH),
        (Subscription, "next_msg", NATS_PY_NEXT_MSG),
    )
    saved = [(owner, name, vars(owner)[name]) for owner, name, _ in shipped]
    for owner, name, code in shipped:
        setattr(owner, name, code)
    try:
        yield
    finally:
        for owner, name, code in saved:
            setattr(owner, name, code)


def plain_messages(count: int) -> list[Message]:
    """128-byte payloads, each with its own ``Nats-Msg-Id`` like the relay sets."""
    payload = os.urandom(PAYLOAD_BYTES // 2).hex().encode()
    return [({"Nats-Msg-Id": str(uuid4())}, payload) for _ in range(count)]


PLAIN = Shape("plain", "bench.raw.plain", plain_messages)


async def create_stream(js: JetStreamContext) -> None:
    """A fresh file-storage stream for the baselines, and a small one for warming up clients."""
    await js.add_stream(
        StreamConfig(name=STREAM, subjects=["bench.raw.>"], storage=StorageType.FILE)
    )
    await js.add_stream(
        StreamConfig(name=WARMUP_STREAM, subjects=[WARMUP_SUBJECT], storage=StorageType.MEMORY)
    )


async def warm_up(js: JetStreamContext) -> None:
    """Set up a JetStream context's PubAck inbox before any clock starts (once per context)."""
    await (await js.publish_async(WARMUP_SUBJECT, b"warm-up"))


async def publish_rate(js: JetStreamContext, shape: Shape, count: int, window: int) -> Rate:
    """Publish ``count`` messages, ``window`` PubAcks in flight, then await them (timed)."""
    messages = shape.make(count)  # built before the clock starts
    await warm_up(js)
    cpu, started = time.process_time(), time.perf_counter()
    for start in range(0, count, window):
        futures = [
            await js.publish_async(shape.subject, body, headers=headers)
            for headers, body in messages[start : start + window]
        ]
        await asyncio.gather(*futures)
    return Rate(count, time.perf_counter() - started, time.process_time() - cpu)


async def fetch_ack_rate(
    js: JetStreamContext, shape: Shape, count: int, batch: int, max_ack_pending: int
) -> Rate:
    """Fetch ``count`` messages ``batch`` at a time from a durable, acking each one."""
    durable = f"bench-raw-{shape.name}"
    config = ConsumerConfig(
        durable_name=durable,
        filter_subject=shape.subject,
        ack_policy=AckPolicy.EXPLICIT,
        max_ack_pending=max_ack_pending,
    )
    await js.add_consumer(STREAM, config)
    sub = await js.pull_subscribe(shape.subject, durable=durable, stream=STREAM)
    cpu, started = time.process_time(), time.perf_counter()
    done = await _drain(sub, count, batch)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    await sub.unsubscribe()
    return Rate(done, elapsed, cpu)


async def _drain(sub: JetStreamContext.PullSubscription, count: int, batch: int) -> int:
    """Fetch and ack until ``count`` messages were handled; fail when the stream stalls."""
    done, last_progress = 0, time.monotonic()
    while done < count:
        try:
            msgs = await sub.fetch(batch, timeout=1.0)
        except (nats.errors.TimeoutError, TimeoutError):
            msgs = []
        for msg in msgs:
            await msg.ack()
        done += len(msgs)
        if msgs:
            last_progress = time.monotonic()
        elif time.monotonic() - last_progress > STALL_SECONDS:
            raise RuntimeError(f"raw fetch stalled after {done} of {count} messages")
    return done


async def delete_stream(js: JetStreamContext) -> None:
    """Drop the baseline stream (frees its disk before the kit runs)."""
    await js.delete_stream(STREAM)
