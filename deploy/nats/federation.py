"""Source each province's streams into the national ones, across JetStream domains.

``python -m deploy.nats.federation --nats nats://ops:PASSWORD@hub:4222 [33 52 ...]``

Run after ``pilar_kit.provision`` on the hub: provisioning writes stream configurations without
sources. Each national stream then pulls the public events of each province from that province's
leaf node (``$JS.prov<NN>.API``) and remembers how far it got by stream sequence, so a link that
drops for hours resumes where it stopped: nothing lost, nothing pulled twice. The filter keeps to
the province's own subjects, so events that came down from the hub never go back up.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from collections.abc import Iterable

import nats
from nats.js import JetStreamContext
from nats.js.api import ExternalStream, StreamConfig, StreamSource

from deploy.nats.accounts import leaf_provinces
from deploy.nats.servers import province_domain
from pilar_contracts.streams import ANALYTICS, CASES, NOTIFICATIONS, REGISTRY, StreamSpec

# Public streams only: contact data (PILAR_PRIVATE) stays in the province that needs it, and
# dead letters are handled by the province's own operators.
FEDERATED: tuple[StreamSpec, ...] = (REGISTRY, CASES, NOTIFICATIONS, ANALYTICS)


def province_events(province: str) -> str:
    """The public subjects of one province's own events."""
    return f"pilar.*.*.*.*.{province}.*"


def province_source(stream: str, province: str) -> StreamSource:
    """A source that pulls one province's events of ``stream`` from its leaf node."""
    return StreamSource(
        name=stream,
        filter_subject=province_events(province),
        external=ExternalStream(api=f"$JS.{province_domain(province)}.API"),
    )


def with_sources(config: StreamConfig, provinces: Iterable[str]) -> StreamConfig:
    """The national stream's configuration with one source per province (others replaced)."""
    sources = [province_source(config.name or "", p) for p in sorted(set(provinces))]
    return dataclasses.replace(config, sources=sources or None)


async def federate(
    js: JetStreamContext, provinces: Iterable[str], streams: Iterable[StreamSpec] = FEDERATED
) -> None:
    """Set the province sources of every federated national stream (idempotent)."""
    wanted = list(provinces)
    for spec in streams:
        info = await js.stream_info(spec.name)
        await js.update_stream(with_sources(info.config, wanted))


async def _main(url: str, provinces: list[str]) -> None:
    nc = await nats.connect(url)
    try:
        await federate(nc.jetstream(), provinces)
    finally:
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument(
        "provinces", nargs="*", help="codes of provinces that run a leaf node (leaves.json's)"
    )
    args = parser.parse_args()
    listed = args.provinces or leaf_provinces()
    asyncio.run(_main(args.nats, listed))
    print(f"national streams source {len(listed)} provinces: {' '.join(listed)}")
