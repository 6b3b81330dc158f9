"""Outbox -> JetStream -> inbox against a real nats-server, on SQLite and on PostgreSQL.

The kit's real ``Outbox``, ``Relay`` and ``BatchProcessor`` (behind a FastStream pull-batch
subscriber wired like the Runtime's) carry real contract events end to end.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import func, select, update

from pilar_contracts import Outgoing
from pilar_contracts.consumers import ANALYTICS_REGISTRY
from pilar_contracts.streams import REGISTRY, STREAMS, StreamSpec
from pilar_kit.natsserver import NatsServer
from pilar_kit.provision import provision
from pilar_kit.publisher import Message, WindowPublisher
from pilar_kit.relay import RelayIncompleteError
from tests.integration.kit_app import (
    CERTIFICATIONS,
    INBOX,
    OUTBOX,
    CertifiedHandler,
    CertifiedRuns,
    KitApp,
    certified,
    consumer_caught_up,
    consumer_settled,
    consumer_spec,
    consuming,
    wait_until,
)

pytestmark = pytest.mark.integration

N = 300


async def _count(app: KitApp, table: object) -> int:
    return int(await app.scalar(select(func.count()).select_from(table)))  # type: ignore[arg-type]


async def _publish_all(app: KitApp, js: JetStreamContext) -> int:
    relay = app.relay(js, window=64)
    published = 0
    while batch := await relay.publish_pending():
        published += batch
    return published


async def test_staged_events_are_published_in_order_and_applied_exactly_once(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    events = [certified() for _ in range(N)]
    # two transactions, each writing its state rows and staging its events
    await app.stage(*events[:200])
    await app.stage(*events[200:])
    assert await _count(app, CERTIFICATIONS) == N
    assert await app.unpublished() == N

    # no stream yet: nothing is acknowledged, so nothing may be marked published
    relay = app.relay(js, window=64)
    with pytest.raises(RelayIncompleteError):
        await relay.publish_pending()
    assert await app.unpublished() == N

    # analytics' real consumer, with a short ack wait: a fetched batch that FastStream drops
    # (see kit_app.ConsumerHost) comes back in seconds instead of 30
    spec = dataclasses.replace(ANALYTICS_REGISTRY, ack_wait_seconds=3)
    await provision(js, consumers=[spec])
    processor = app.processor(spec, CertifiedHandler(spec.durable))
    async with consuming(nats_server.url, processor):
        published = 0
        while batch := await relay.publish_pending():  # windows of 64 async publishes
            assert batch <= 64
            published += batch
        assert published == N
        assert await app.unpublished() == 0
        for row in await app.outbox_rows():
            assert row.published_at is not None
            assert row.published_at >= row.created_at

        # the stream holds each event once, in staging (outbox id) order
        info = await js.stream_info(REGISTRY.name)
        assert info.state.messages == N
        outbox_id = {row.event_id: row.id for row in await app.outbox_rows()}
        stream_order = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            msg = await js.get_msg(REGISTRY.name, seq)
            assert msg.headers is not None
            assert msg.headers["Nats-Msg-Id"] == msg.headers["ce-id"]
            stream_order.append(outbox_id[UUID(msg.headers["ce-id"])])
        assert stream_order == sorted(stream_order)
        assert [e.envelope.id for e in events] == await app.staged_ids()
        await wait_until(lambda: app.applied_at_least(spec.durable, N), f"{N} events applied")
        await wait_until(lambda: consumer_settled(js, spec), "consumer settled")

    applied = await app.applied_ids(spec.durable)
    assert len(applied) == N
    assert set(applied) == {e.envelope.id for e in events}
    assert await app.certified_total(spec.durable) == N
    assert await _count(app, INBOX) == N
    assert app.consumed(spec.durable, "applied") == N


class UseCaseFailedError(Exception):
    """The use case failed after staging its events."""


async def test_rolled_back_transaction_stages_and_publishes_nothing(
    app: KitApp, nc: Client
) -> None:
    js = nc.jetstream()
    await provision(js, consumers=[])
    relay = app.relay(js)
    woken: list[str] = []
    app.outbox.on_committed(lambda: woken.append("wake"))

    async def use_case_failing_after_staging() -> None:
        async with app.sessions() as session, session.begin():
            await app.stage_in(session, certified(), certified())
            raise UseCaseFailedError

    with pytest.raises(UseCaseFailedError):
        await use_case_failing_after_staging()

    assert await _count(app, OUTBOX) == 0
    assert await _count(app, CERTIFICATIONS) == 0
    assert woken == []  # a rollback does not wake the relay
    assert await relay.publish_pending() == 0
    assert (await js.stream_info(REGISTRY.name)).state.messages == 0

    # the next committed transaction publishes its own event, and only that one
    kept = certified()
    await app.stage(kept)
    assert woken == ["wake"]
    assert await relay.publish_pending() == 1
    info = await js.stream_info(REGISTRY.name)
    assert info.state.messages == 1
    msg = await js.get_msg(REGISTRY.name, info.state.last_seq)
    assert msg.headers is not None
    assert msg.headers["ce-id"] == str(kept.envelope.id)


class StagingDuringPublish(WindowPublisher):
    """A publisher that commits one more event while the relay publishes its first window."""

    def __init__(self, nc: Client, app: KitApp, late: Outgoing) -> None:
        super().__init__(nc)
        self.app, self.late = app, late
        self.staged = False

    async def publish(self, messages: Sequence[Message], ack_seconds: float) -> list[bool]:
        """Publish; the first time, another transaction commits an event meanwhile."""
        if not self.staged:
            self.staged = True
            await self.app.stage(self.late)  # commits, and wakes the relay mid-round
        return await super().publish(messages, ack_seconds)


async def test_a_commit_during_a_relay_round_wakes_the_next_round(app: KitApp, nc: Client) -> None:
    js = nc.jetstream()
    await provision(js, consumers=[])
    first, late = certified(), certified()
    staging = StagingDuringPublish(nc, app, late)
    # no polling to fall back on: only the wake-up after commit can publish ``late``
    relay = app.relay(staging, poll_seconds=3600)
    task = asyncio.create_task(relay.run())
    try:
        await app.stage(first)

        async def both_published() -> bool:
            return staging.staged and await app.unpublished() == 0

        await wait_until(both_published, "the event committed mid-round published")
    finally:
        task.cancel()
    info = await js.stream_info(REGISTRY.name)
    assert info.state.messages == 2


async def test_duplicate_publish_and_redelivery_have_one_effect(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-dedup")
    await provision(js, consumers=[spec])
    processor = app.processor(spec, CertifiedHandler(spec.durable))
    async with consuming(nats_server.url, processor):
        event = certified()
        headers = event.envelope.headers()
        assert headers["Nats-Msg-Id"] == str(event.envelope.id)

        # the same publish twice (same Nats-Msg-Id): JetStream keeps one
        first = await js.publish(event.nats_subject, event.body, headers=dict(headers))
        second = await js.publish(event.nats_subject, event.body, headers=dict(headers))
        assert not first.duplicate
        assert second.duplicate
        assert second.seq == first.seq

        async def applied_once() -> bool:
            return await app.applied_count(spec.durable) >= 1

        await wait_until(applied_once, "the event applied")

        # a redelivery beyond the duplicate window: new Nats-Msg-Id, same ce-id -> the inbox
        again = dict(headers, **{"Nats-Msg-Id": f"redelivery-{uuid4()}"})
        third = await js.publish(event.nats_subject, event.body, headers=again)
        assert not third.duplicate
        assert third.seq == first.seq + 1

        # two copies back to back, possibly in the same fetched batch
        other = certified()
        for copy in ("a", "b"):
            copy_headers = dict(other.envelope.headers(), **{"Nats-Msg-Id": f"{copy}-{uuid4()}"})
            last = await js.publish(other.nats_subject, other.body, headers=copy_headers)
        await wait_until(lambda: consumer_caught_up(js, spec, last.seq), "redeliveries consumed")

    assert await app.applied_ids(spec.durable) == [event.envelope.id, other.envelope.id]
    assert await app.certified_total(spec.durable) == 2
    assert app.consumed(spec.durable, "applied") == 2
    assert app.consumed(spec.durable, "duplicate") == 2


async def test_relay_crash_between_puback_and_marking_is_deduplicated(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-crash")
    await provision(js, consumers=[spec])
    events = [certified() for _ in range(120)]
    await app.stage(*events)

    # the relay publishes its window, gets every PubAck... and dies before marking the rows
    crashed = app.relay(js, window=len(events))
    rows = await crashed._pending()
    acked = await crashed._publish(rows)
    assert len(acked) == len(events)
    assert await app.unpublished() == len(events)
    assert (await js.stream_info(REGISTRY.name)).state.messages == len(events)

    # the restarted relay publishes every row again: JetStream drops them all as duplicates
    assert await _publish_all(app, js) == len(events)
    assert await app.unpublished() == 0
    info = await js.stream_info(REGISTRY.name)
    assert info.state.messages == len(events)
    assert info.state.last_seq == len(events)

    processor = app.processor(spec, CertifiedHandler(spec.durable))
    async with consuming(nats_server.url, processor):
        await wait_until(lambda: consumer_settled(js, spec), "consumer settled")
    applied = await app.applied_ids(spec.durable)
    assert sorted(applied) == sorted(e.envelope.id for e in events)  # each once


async def test_provisioning_creates_then_updates_consumers_and_streams(nc: Client) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-provision", max_deliver=4, ack_wait=7)
    await provision(js, consumers=[spec])  # create
    info = await js.consumer_info(spec.stream, spec.durable)
    assert info.config.max_deliver == 4
    assert info.config.ack_wait == 7
    assert info.config.filter_subject == spec.filter_subject

    changed = dataclasses.replace(spec, max_deliver=9, max_ack_pending=50)
    await provision(js, consumers=[changed])  # update in place
    info = await js.consumer_info(spec.stream, spec.durable)
    assert info.config.max_deliver == 9
    assert info.config.max_ack_pending == 50

    streams: list[StreamSpec] = [
        dataclasses.replace(s, duplicate_window_seconds=600) if s.name == REGISTRY.name else s
        for s in STREAMS
    ]
    await provision(js, streams=streams, consumers=[changed])  # idempotent, and updates streams
    stream = await js.stream_info(REGISTRY.name)
    assert stream.config.duplicate_window == 600
    assert (await js.consumer_info(spec.stream, spec.durable)).config.max_deliver == 9


async def test_a_row_no_stream_takes_holds_back_the_rows_behind_it(app: KitApp, nc: Client) -> None:
    js = nc.jetstream()
    await provision(js, consumers=[])
    events = [certified() for _ in range(5)]
    stray = events[2].model_copy(update={"nats_subject": "pilar.nowhere.stray.v1.33.71"})
    await app.stage(*events[:2], stray, *events[3:])
    relay = app.relay(js, window=10, ack_timeout=2.0)

    with pytest.raises(RelayIncompleteError):
        await relay.publish_pending()

    # only the run before the stray row counts as sent; it and the rows behind it wait, in order
    rows = await app.outbox_rows()
    assert [row.published_at is not None for row in rows] == [True, True, False, False, False]
    assert [row.attempts for row in rows] == [0, 0, 1, 0, 0]
    with pytest.raises(RelayIncompleteError):
        await relay.publish_pending()
    assert [row.attempts for row in await app.outbox_rows()] == [0, 0, 2, 0, 0]


async def test_a_batch_handler_applies_runs_once_each_and_retries_a_failing_run(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-runs")
    await provision(js, consumers=[spec])
    events = [certified() for _ in range(150)]
    events[70] = certified("FLAKY1-once")  # fails its first delivery: the run is retried
    await app.stage(*events)
    await _publish_all(app, js)

    runs = CertifiedRuns(CertifiedHandler(spec.durable))
    async with consuming(nats_server.url, app.processor(spec, runs)):
        await wait_until(
            lambda: app.applied_at_least(spec.durable, len(events)), "every event applied"
        )
        await wait_until(lambda: consumer_settled(js, spec), "consumer settled")

    assert max(runs.runs) > 1  # events really arrived together
    applied = await app.applied_ids(spec.durable)
    assert sorted(applied) == sorted(e.envelope.id for e in events)  # each exactly once
    assert runs.handler.seen["FLAKY1-once"][-1] == 2


async def test_a_relay_cancelled_as_it_is_woken_stops(app: KitApp, nc: Client) -> None:
    js = nc.jetstream()
    await provision(js, consumers=[])
    relay = app.relay(js, poll_seconds=3600)
    task = asyncio.create_task(relay.run())
    await wait_until(lambda: _idle(relay), "the relay asleep, waiting for a wake-up")
    relay.wake()  # the wake-up and the stop land in the same turn of the loop
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=5)
    assert done == {task}, "the relay swallowed its cancellation"
    assert task.cancelled()


async def _idle(relay: Any) -> bool:
    """True when the relay waits for its wake event."""
    return bool(relay._wake._waiters)


async def test_published_rows_past_the_retention_are_pruned_and_pending_ones_kept(
    app: KitApp, nc: Client
) -> None:
    js = nc.jetstream()
    await provision(js, consumers=[])
    relay = app.relay(js)
    old = await app.stage(certified(), certified())
    recent = await app.stage(certified())
    assert await relay.publish_pending() == 3
    pending = await app.stage(certified())  # never published: kept however old it is
    long_ago = datetime.now(UTC) - relay.retention - timedelta(hours=1)
    async with app.sessions() as session, session.begin():
        backdate = OUTBOX.c.event_id.in_([*old, *pending])
        await session.execute(update(OUTBOX).where(backdate).values(created_at=long_ago))
        await session.execute(
            update(OUTBOX).where(OUTBOX.c.event_id.in_(old)).values(published_at=long_ago)
        )
    assert await relay.prune() == 2
    assert await app.staged_ids() == [*recent, *pending]
    assert await relay.prune() == 0


async def test_an_instance_serving_some_provinces_leaves_the_others_events_alone(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-hub")
    await provision(js, consumers=[spec])
    ours = [certified(region="31.71"), certified(region=""), certified(region="31.74")]
    theirs = [certified(region="33.71"), certified(region="52.01")]  # federated provinces
    await app.stage(ours[0], theirs[0], ours[1], theirs[1], ours[2])
    assert await app.relay(js).publish_pending() == 5
    processor = app.processor(spec, CertifiedHandler(spec.durable), served=frozenset({"31", "00"}))
    async with consuming(nats_server.url, processor):
        await wait_until(partial(consumer_settled, js, spec), "consumer settled")
    assert await app.applied_ids(spec.durable) == [e.envelope.id for e in ours]
    assert app.consumed(spec.durable, "skipped") == 2
    assert (await js.consumer_info(spec.stream, spec.durable)).num_ack_pending == 0
