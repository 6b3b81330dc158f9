"""The national hub as deployed: three nodes, R3 streams, ``sync_interval: always``, accounts.

kill -9 of the stream leader while events flow through the outbox, relay and two read models
(two durable consumers of the same stream, as analytics and cases both read registry events);
the node comes back and catches up; every event is applied exactly once in each read model.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nats.js import JetStreamContext

from deploy.nats.servers import NODES
from pilar_contracts.streams import REGISTRY
from pilar_kit.provision import provision
from tests.integration.flows import (
    Producer,
    all_published,
    applied_at_least,
    assert_applied_exactly_once,
    relaying,
)
from tests.integration.kit_app import (
    CertifiedHandler,
    KitApp,
    connect,
    consumer_spec,
    consuming,
    wait_until,
)
from tests.scale.conftest import Servers

pytestmark = pytest.mark.integration

READ_MODELS = (
    consumer_spec("national-analytics", ack_wait=3),
    consumer_spec("national-cases", ack_wait=3),
)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[KitApp]:
    """The test service (outbox producer and read model) on SQLite."""
    app = await KitApp.open(f"sqlite+aiosqlite:///{tmp_path / 'national.db'}")
    try:
        yield app
    finally:
        await app.close()


async def replicas_current(js: JetStreamContext, stream: str) -> bool:
    """True when the stream has a leader and both followers are current."""
    cluster = (await js.stream_info(stream)).cluster
    if cluster is None or cluster.leader is None:
        return False
    peers = cluster.replicas or []
    return len(peers) == len(NODES) - 1 and all(p.current and not p.offline for p in peers)


async def test_stream_leader_killed_mid_stream_loses_nothing_and_doubles_nothing(
    hub_cluster: Servers, app: KitApp
) -> None:
    for node in NODES:  # the durability the notes ask for case events, as the servers run it
        assert (await hub_cluster.varz(node))["jetstream"]["config"]["sync_always"] is True
    admin = await connect(hub_cluster.url(NODES[0]))
    try:
        js = admin.jetstream()
        await provision(js, streams=[REGISTRY], consumers=list(READ_MODELS), replicas=3)
        info = await js.stream_info(REGISTRY.name)
        for spec in READ_MODELS:
            consumer = await js.consumer_info(spec.stream, spec.durable)
            assert consumer.cluster is not None
            assert len(consumer.cluster.replicas or []) == len(NODES) - 1  # R3 consumer state
    finally:
        await admin.close()
    assert info.config.num_replicas == 3
    assert info.cluster is not None
    victim = info.cluster.leader or ""
    assert victim in NODES
    survivor = next(n for n in NODES if n != victim)  # clients stay on a node that lives

    nc = await connect(hub_cluster.url(survivor))
    js = nc.jetstream()
    producer = Producer(app)
    processors = [app.processor(s, CertifiedHandler(s.durable, faults=False)) for s in READ_MODELS]
    try:
        async with (
            consuming(hub_cluster.url(survivor), *processors),
            relaying(app.relay(js, window=50, ack_timeout=2.0)),
        ):
            producer.start()
            try:
                await applied_at_least(app, READ_MODELS[0].durable, 50)
                hub_cluster.cluster[victim].kill()  # SIGKILL the stream leader mid-stream
                await producer.staged_at_least(producer.staged + 50)
                for spec in READ_MODELS:  # R3 carries on without the old leader
                    await applied_at_least(app, spec.durable, producer.staged - 25)
                await asyncio.to_thread(hub_cluster.cluster[victim].restart)
                await producer.staged_at_least(producer.staged + 50)
            finally:
                await producer.stop()
            await all_published(app)
            for spec in READ_MODELS:
                await assert_applied_exactly_once(app, js, spec, await app.staged_ids())
        await wait_until(lambda: replicas_current(js, REGISTRY.name), "the killed node caught up")
        state = (await js.stream_info(REGISTRY.name)).state
        assert state.messages == producer.staged  # the stream itself holds no duplicate
    finally:
        await nc.close()
