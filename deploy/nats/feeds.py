"""Push consumers that ops create for integrations: replay of stored public events, no publishing.

``python -m deploy.nats.feeds --nats nats://ops:PASSWORD@hub:4222 bpbd-33``

An integration may publish nothing, so it cannot call the JetStream API nor ack. Ops create, per
integration and public stream, a durable push consumer without acks whose deliveries go to
``integration.<user>.<stream>``, which only that user may subscribe to (across accounts, through
the PILAR export). The consumer remembers its position while the integration is away.
"""

from __future__ import annotations

import argparse
import asyncio

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from deploy.nats.accounts import INTEGRATION_DELIVERY, PUBLIC_EVENTS, Integration, integrations
from deploy.nats.federation import FEDERATED, province_events


def feed_subject(integration: Integration, stream: str) -> str:
    """Where a feed delivers (the integration subscribes to it with a core subscription)."""
    return f"{INTEGRATION_DELIVERY}.{integration.user}.{stream}"


def feed_config(integration: Integration, stream: str) -> ConsumerConfig:
    """A durable push consumer of ``stream`` for one integration's province (or the nation)."""
    events = province_events(integration.province) if integration.province else PUBLIC_EVENTS
    return ConsumerConfig(
        durable_name=f"integration-{integration.user}",
        description=integration.agency,
        deliver_subject=feed_subject(integration, stream),
        filter_subject=events,
        ack_policy=AckPolicy.NONE,  # acking would be publishing
        deliver_policy=DeliverPolicy.ALL,
        flow_control=False,  # flow control and heartbeats need replies from the client
    )


async def create_feeds(js: JetStreamContext, integration: Integration) -> None:
    """Create or update the feeds of one integration on every public stream."""
    for spec in FEDERATED:
        await js.add_consumer(spec.name, feed_config(integration, spec.name))


async def _main(url: str, users: list[str]) -> None:
    known = {i.user: i for i in integrations()}
    nc = await nats.connect(url)
    try:
        for user in users:
            await create_feeds(nc.jetstream(), known[user])
    finally:
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("users", nargs="+", help="integration users from integrations.json")
    args = parser.parse_args()
    asyncio.run(_main(args.nats, args.users))
    print(f"feeds ready for {', '.join(args.users)}")
