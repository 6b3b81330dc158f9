"""Horizontal scale: two instances of a service share one durable consumer, one database and its
outbox.

Both instances consume and both run the outbox relay; the relay's PostgreSQL advisory lock lets
one of them publish, the other stands by. The relay leader is killed with SIGKILL mid-stream: the
other instance takes over the relay and the leader's unacknowledged deliveries. Every event is
published and applied exactly once (the kit's inbox), and both instances did part of the work.
Runs on PostgreSQL, the production store for a scaled service.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, suppress
from pathlib import Path

import pytest
from sqlalchemy import select

from pilar_contracts.streams import REGISTRY
from pilar_kit.natsserver import NatsServer
from pilar_kit.provision import provision
from tests.integration.flows import (
    Producer,
    all_published,
    applied_at_least,
    assert_applied_exactly_once,
)
from tests.integration.kit_app import KitApp, connect, wait_until
from tests.scale.scale_worker import SHARED, WORKED, metadata

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


class Instance:
    """One consumer process (tests/scale/scale_worker.py)."""

    def __init__(self, name: str, database_url: str, nats_url: str, folder: Path) -> None:
        self.name, self.log = name, folder / f"{name}.log"
        self.args = ["-m", "tests.scale.scale_worker", database_url, nats_url, name]
        self.proc: asyncio.subprocess.Process | None = None

    def output(self) -> str:
        """What the process printed."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    async def start(self) -> None:
        """Start the process and wait until it consumes."""
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, *self.args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )

        async def ready() -> bool:
            assert self.proc is not None
            assert self.proc.returncode is None, f"{self.name} exited:\n{self.output()}"
            return "ready\n" in self.output()

        await wait_until(ready, f"{self.name} ready")

    def leads(self) -> bool:
        """Whether this instance's relay holds the leadership (its last announcement)."""
        announced = re.findall(r"^relay (leader|standby)$", self.output(), re.MULTILINE)
        return bool(announced) and announced[-1] == "leader"

    def stood_by(self) -> bool:
        """Whether this instance's relay was refused the leadership at least once."""
        return "relay standby\n" in self.output()

    def published(self) -> int:
        """How many events this instance's relay published (its last report)."""
        reports = re.findall(r"^published (\d+)$", self.output(), re.MULTILINE)
        return int(reports[-1]) if reports else 0

    async def kill(self) -> None:
        """SIGKILL the process and reap it."""
        if self.proc is not None and self.proc.returncode is None:
            with suppress(ProcessLookupError):
                self.proc.kill()
            await asyncio.wait_for(self.proc.wait(), 30)


@pytest.fixture
async def app(postgres_url: str) -> AsyncIterator[KitApp]:
    """The service's database on PostgreSQL, with the record of who applied what."""
    app = await KitApp.open(postgres_url)
    async with app.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield app
    finally:
        await app.close()


async def work_per_instance(app: KitApp) -> Counter[str]:
    """How many applications each instance committed."""
    async with app.sessions() as session, session.begin():
        return Counter((await session.scalars(select(WORKED.c.instance))).all())


async def test_two_instances_split_the_work_keep_one_relay_and_survive_a_kill_without_doubles(
    app: KitApp, postgres_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    nc = await connect(nats_server.url)
    js = nc.jetstream()
    await provision(js, consumers=[SHARED])
    first, second = (Instance(n, postgres_url, nats_server.url, tmp_path) for n in ("a", "b"))
    producer = Producer(app)  # stages in the shared database; the instances' relays publish
    async with AsyncExitStack() as stack:
        stack.push_async_callback(first.kill)
        stack.push_async_callback(second.kill)
        stack.push_async_callback(nc.close)
        await first.start()
        await second.start()
        producer.start()
        try:

            async def both_working_one_relaying() -> bool:
                relaying = max(first.published(), second.published()) >= 100
                return relaying and len(await work_per_instance(app)) == 2

            await wait_until(both_working_one_relaying, "both instances applying, one relaying")
            leader, standby = (first, second) if first.leads() else (second, first)
            assert leader.leads(), leader.output()
            assert standby.stood_by(), standby.output()  # it asked for the lock and was refused
            assert not standby.leads()
            assert standby.published() == 0  # single-active: the standby relay published nothing
            await leader.kill()  # SIGKILL mid-stream: the lock goes with its connection
            before = (await work_per_instance(app))[standby.name]

            async def taken_over() -> bool:
                return standby.leads()

            await wait_until(taken_over, "the standby relay leading")
            await producer.staged_at_least(producer.staged + 100)
            await applied_at_least(app, SHARED.durable, producer.staged - 50)
        finally:
            await producer.stop()
        await all_published(app)  # by the survivor alone
        assert standby.published() > 0
        await assert_applied_exactly_once(app, js, SHARED, await app.staged_ids())
        assert (await js.stream_info(REGISTRY.name)).state.messages == producer.staged
        worked = await work_per_instance(app)
        assert worked[leader.name] > 0
        assert worked[standby.name] > before  # the survivor carried on alone
        assert worked[leader.name] + worked[standby.name] == producer.staged
    assert leader.proc is not None
    assert leader.proc.returncode == -9
