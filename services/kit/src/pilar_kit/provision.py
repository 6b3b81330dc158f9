"""Create-or-update of Pilar's streams and durable consumers, from contracts/ in one place."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable

import nats
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from pilar_contracts.consumers import CONSUMERS
from pilar_contracts.streams import STREAMS, ConsumerSpec, StreamSpec


def stream_config(spec: StreamSpec, replicas: int | None = None) -> StreamConfig:
    """Return the JetStream configuration of a stream spec."""
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        retention=RetentionPolicy.LIMITS,  # replayable: read models are rebuilt from streams
        storage=StorageType.FILE,
        max_age=spec.max_age_seconds,
        duplicate_window=spec.duplicate_window_seconds,
        num_replicas=replicas or spec.replicas,
    )


def consumer_config(spec: ConsumerSpec) -> ConsumerConfig:
    """Return the JetStream configuration of a durable pull consumer."""
    return ConsumerConfig(
        durable_name=spec.durable,
        filter_subject=spec.filter_subject,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=spec.max_deliver,
        ack_wait=spec.ack_wait_seconds,
        max_ack_pending=spec.max_ack_pending,
        description=spec.description or None,
    )


async def provision(
    js: JetStreamContext,
    streams: Iterable[StreamSpec] = STREAMS,
    consumers: Iterable[ConsumerSpec] = CONSUMERS,
    replicas: int | None = None,
) -> None:
    """Create or update every stream, then every durable consumer."""
    for spec in streams:
        config = stream_config(spec, replicas)
        try:
            current = await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
            continue
        # sources are set by federation (provinces into the national streams), not by contracts:
        # an update must keep them
        config.sources = current.config.sources
        await js.update_stream(config)
    for consumer in consumers:
        await js.add_consumer(consumer.stream, consumer_config(consumer))  # create-or-update


async def _main(url: str, replicas: int | None) -> None:
    nc = await nats.connect(url)
    try:
        await provision(nc.jetstream(), replicas=replicas)
    finally:
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Create or update Pilar's streams and consumers")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--replicas", type=int, default=None, help="3 in a production cluster")
    args = parser.parse_args()
    asyncio.run(_main(args.nats, args.replicas))
    print("provisioned streams and consumers")
