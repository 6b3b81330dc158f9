"""Failures against a real nats-server, on SQLite and on PostgreSQL.

NATS killed with SIGKILL while events flow; a consumer process killed with SIGKILL and started
again; handlers failing transiently, for ever, or permanently. In every case each staged event is
applied exactly once (or dead-lettered with its reason) and nothing is lost.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path
from uuid import UUID

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import select

from pilar_contracts.streams import ConsumerSpec
from pilar_kit.deadletters import list_dead_letters
from pilar_kit.natsserver import NatsServer
from pilar_kit.provision import provision
from tests.integration.flows import (
    Producer,
    all_published,
    applied_at_least,
    assert_applied_exactly_once,
    relaying,
)
from tests.integration.kit_app import (
    APPLIED,
    WORKER_SPEC,
    CertifiedHandler,
    KitApp,
    certified,
    consumer_settled,
    consumer_spec,
    consuming,
    wait_until,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def relay_failures(app: KitApp) -> float:
    """The kit's count of failed relay rounds."""
    labels = {"service": app.metrics.service}
    return app.registry.get_sample_value("pilar_outbox_publish_failures_total", labels) or 0.0


async def _assert_exactly_once(app: KitApp, js: JetStreamContext, spec: ConsumerSpec) -> None:
    """Wait for the relay and the consumer to drain, then check one effect per staged event."""
    await all_published(app, within=30)
    await assert_applied_exactly_once(app, js, spec, await app.staged_ids(), within=30)


async def test_nats_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-nats-kill", ack_wait=2)
    await provision(js, consumers=[spec])
    producer = Producer(app, pause=0.01)
    processor = app.processor(spec, CertifiedHandler(spec.durable))
    relay = app.relay(js, window=50, ack_timeout=1.0)
    async with consuming(nats_server.url, processor), relaying(relay):
        producer.start()
        try:
            await applied_at_least(app, spec.durable, 50, within=30)
            nats_server.kill()  # SIGKILL while the producer, relay and consumer are busy
            killed_at = producer.staged
            await producer.staged_at_least(killed_at + 50)  # keep staging while it is down

            async def relay_failed() -> bool:
                return relay_failures(app) > 0

            await wait_until(relay_failed, "the relay to notice NATS is gone")
            assert await app.unpublished() > 0
            await asyncio.to_thread(nats_server.restart)  # same port, same store
            await producer.staged_at_least(producer.staged + 50)
        finally:
            await producer.stop()
        await _assert_exactly_once(app, js, spec)
    assert relay.healthy
    assert producer.staged >= 150


class Worker:
    """The consumer child process (tests/integration/kit_worker.py), to be killed with -9."""

    def __init__(self, database_url: str, nats_url: str, folder: Path) -> None:
        marks = folder / "marks"
        marks.mkdir()
        self.args = ["-m", "tests.integration.kit_worker", database_url, nats_url, str(marks)]
        self.log, self.starts = folder / "worker.log", 0
        self.proc: asyncio.subprocess.Process | None = None

    def output(self) -> str:
        """Everything the worker processes printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def start(self) -> None:
        """Start a worker process and wait until it consumes."""
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *self.args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )
        self.starts += 1

        async def ready() -> bool:
            assert self.proc is not None
            assert self.proc.returncode is None, f"worker exited:\n{self.output()}"
            return self.output().count("ready\n") >= self.starts

        await wait_until(ready, f"worker start {self.starts} ready")

    async def exited(self) -> int:
        """Wait for the process to end (it may kill itself); return its exit code."""
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), 30)

    async def kill(self) -> None:
        """SIGKILL the worker (if it still runs) and reap it."""
        if self.proc is not None and self.proc.returncode is None:
            with suppress(ProcessLookupError):
                self.proc.kill()
            await self.exited()


async def _applied_once(app: KitApp, consumer: str, event_id: UUID) -> None:
    async def applied() -> bool:
        return event_id in await app.applied_ids(consumer)

    await wait_until(applied, f"event {event_id} applied")


async def test_consumer_process_killed_with_sigkill_loses_nothing_and_applies_nothing_twice(
    app: KitApp, nc: Client, nats_server: NatsServer, database_url: str, tmp_path: Path
) -> None:
    js = nc.jetstream()
    spec = WORKER_SPEC
    await provision(js, consumers=[spec])
    producer = Producer(app, pause=0.05)
    worker = Worker(database_url, nats_server.url, tmp_path)
    stall, die = certified("STALL-in-transaction"), certified("DIE-AFTER-COMMIT-before-ack")
    try:
        await worker.start()
        async with relaying(app.relay(js, window=50)):
            producer.start()
            try:
                await applied_at_least(app, spec.durable, 30, within=30)

                # 1. kill -9 while a batch is applied in an open transaction
                await app.stage(stall)

                async def stalled() -> bool:
                    return "stalled" in worker.output()

                await wait_until(stalled, "the worker inside its transaction")
                await worker.kill()
                assert worker.proc is not None
                assert worker.proc.returncode == -signal.SIGKILL
                assert stall.envelope.id not in await app.applied_ids(spec.durable)
                await producer.staged_at_least(producer.staged + 30)  # events keep coming
                await worker.start()
                await _applied_once(app, spec.durable, stall.envelope.id)

                # 2. kill -9 after a batch committed, before any of it was acknowledged
                await app.stage(die)
                assert await worker.exited() == -signal.SIGKILL
                assert die.envelope.id in await app.applied_ids(spec.durable)
                await producer.staged_at_least(producer.staged + 30)
                await worker.start()
            finally:
                await producer.stop()
            await _assert_exactly_once(app, js, spec)
    finally:
        await worker.kill()
    info = await js.consumer_info(spec.stream, spec.durable)
    assert info.delivered is not None
    assert info.delivered.consumer_seq > info.delivered.stream_seq  # batches were redelivered
    delivered = await _num_delivered(app, spec.durable)
    assert delivered[stall.envelope.id] >= 2  # applied when redelivered, once


async def test_transient_failures_retry_and_bad_events_are_dead_lettered_alone(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-retry")
    await provision(js, consumers=[spec])
    good = [certified() for _ in range(10)]
    flaky = certified("FLAKY2-fails-twice")
    always = certified("ALWAYS-fails")
    permanent = certified("PERMANENT-rejected")
    await app.stage(*good[:4], flaky, *good[4:7], always, *good[7:9], permanent, *good[9:])
    relay = app.relay(js)
    assert await relay.publish_pending() == 13

    handler = CertifiedHandler(spec.durable)
    processor = app.processor(spec, handler, max_attempts=3, backoff=(0.05, 0.1))
    async with consuming(nats_server.url, processor):
        await applied_at_least(app, spec.durable, 11, within=30)
        await wait_until(lambda: consumer_settled(js, spec), "consumer settled")

    applied = await app.applied_ids(spec.durable)
    assert sorted(applied) == sorted(e.envelope.id for e in [*good, flaky])
    assert await app.certified_total(spec.durable) == 11

    letters = {UUID(d.event_id): d for d in await list_dead_letters(js, spec.durable)}
    assert set(letters) == {always.envelope.id, permanent.envelope.id}
    exhausted = letters[always.envelope.id]
    assert exhausted.reason == f"exhausted after {exhausted.deliveries}: TransientError"
    assert int(exhausted.deliveries) >= 3  # max_attempts
    assert int(exhausted.deliveries) in handler.seen["ALWAYS-fails"]  # failed on that attempt
    rejected = letters[permanent.envelope.id]
    assert rejected.reason == "rejected: certificate scheme withdrawn"
    assert len(set(handler.seen["PERMANENT-rejected"])) == 1  # never retried

    assert app.consumed(spec.durable, "applied") == 11  # the failures' batch-mates included
    assert app.dead_lettered(spec.durable, "exhausted") == 1
    assert app.dead_lettered(spec.durable, "rejected") == 1
    delivered = await _num_delivered(app, spec.durable)
    assert delivered[flaky.envelope.id] >= 3  # applied on its third delivery (or later)
    info = await js.consumer_info(spec.stream, spec.durable)
    assert info.num_ack_pending == 0
    assert info.num_pending == 0


async def _num_delivered(app: KitApp, consumer: str) -> dict[UUID, int]:
    async with app.sessions() as session, session.begin():
        rows = await session.execute(
            select(APPLIED.c.event_id, APPLIED.c.num_delivered).where(
                APPLIED.c.consumer == consumer
            )
        )
        return {row.event_id: row.num_delivered for row in rows}
