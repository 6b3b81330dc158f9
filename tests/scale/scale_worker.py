"""One instance of a horizontally scaled service, for the scale-out test: runs until killed.

``python -m tests.scale.scale_worker DATABASE_URL NATS_URL INSTANCE``

Every instance shares the durable consumer ``SHARED``, the database and its outbox, and runs the
outbox relay, as each replica of a service does. Beside the read model, each application records
which instance made it, in the same transaction, so the test can see that the instances split the
work. The relay's leadership and the count of events this instance's relay published go to
stdout (``relay leader``, ``relay standby``, ``published N``), so the test can see that one relay
at a time publishes.
"""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Uuid, insert
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.registry import VolunteerCertified
from pilar_kit.consumer import Delivery
from pilar_kit.leader import Leadership
from tests.integration.flows import relaying
from tests.integration.kit_app import (
    SERVICE,
    CertifiedHandler,
    KitApp,
    connect,
    consumer_spec,
    consuming,
)

SHARED = consumer_spec("shared-analytics", ack_wait=2)
REPORT_SECONDS = 0.05

metadata = MetaData()
WORKED = Table(  # which instance applied which event (the application itself is in ``applied``)
    "worked",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("instance", String(20), nullable=False),
    Column("event_id", Uuid, nullable=False),
)


class InstanceHandler(CertifiedHandler):
    """The read model's handler, signed by the instance that ran it."""

    def __init__(self, consumer: str, instance: str) -> None:
        super().__init__(consumer, faults=False)
        self.instance = instance

    async def __call__(
        self, event: VolunteerCertified, delivery: Delivery, session: AsyncSession
    ) -> None:
        """Apply the event and record this instance in the same transaction."""
        await super().__call__(event, delivery, session)
        await session.execute(
            insert(WORKED).values(instance=self.instance, event_id=delivery.envelope.id)
        )


class AnnouncedLeadership(Leadership):
    """The relay's own leadership (a PostgreSQL advisory lock), announcing each change."""

    def __init__(self, inner: Leadership) -> None:
        self.inner = inner
        self.leading: bool | None = None

    async def acquire(self) -> bool:
        """Ask the real leadership; print ``relay leader`` or ``relay standby`` when it changes."""
        leading = await self.inner.acquire()
        if leading != self.leading:
            print("relay leader" if leading else "relay standby", flush=True)
            self.leading = leading
        return leading

    async def release(self) -> None:
        """Give the lock up."""
        await self.inner.release()


async def report_published(app: KitApp) -> None:
    """Print how many events this instance's relay published, whenever the count changes."""
    labels = {"service": SERVICE}
    reported = 0.0
    while True:
        published = app.registry.get_sample_value("pilar_outbox_published_total", labels) or 0.0
        if published != reported:
            print(f"published {int(published)}", flush=True)
            reported = published
        await asyncio.sleep(REPORT_SECONDS)


async def work(database_url: str, nats_url: str, instance: str) -> None:
    """Consume ``SHARED`` and relay the outbox until killed."""
    app = await KitApp.open(database_url, create=False)
    processor = app.processor(SHARED, InstanceHandler(SHARED.durable, instance))
    nc = await connect(nats_url)
    relay = app.relay(nc.jetstream(), window=50)
    relay.leadership = AnnouncedLeadership(relay.leadership)
    reporter = asyncio.create_task(report_published(app))  # held here: tasks are weakly kept
    async with consuming(nats_url, processor, batch_size=10), relaying(relay):
        print("ready", flush=True)
        await asyncio.gather(reporter, asyncio.Event().wait())


def main() -> None:
    """Parse the arguments and work until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("nats_url")
    parser.add_argument("instance")
    args = parser.parse_args()
    asyncio.run(work(args.database_url, args.nats_url, args.instance))


if __name__ == "__main__":
    main()
