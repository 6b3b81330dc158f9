"""One instance of a horizontally scaled consumer, for the scale-out test: runs until killed.

``python -m tests.scale.scale_worker DATABASE_URL NATS_URL INSTANCE``

Every instance shares the durable consumer ``SHARED`` and the database. Beside the read model,
each application records which instance made it, in the same transaction, so the test can see
that the instances split the work.
"""

from __future__ import annotations

import argparse
import asyncio

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Uuid, insert
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.registry import VolunteerCertified
from pilar_kit.consumer import Delivery
from tests.integration.kit_app import CertifiedHandler, KitApp, consumer_spec, consuming

SHARED = consumer_spec("shared-analytics", ack_wait=2)

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


async def work(database_url: str, nats_url: str, instance: str) -> None:
    """Consume ``SHARED`` until killed."""
    app = await KitApp.open(database_url, create=False)
    processor = app.processor(SHARED, InstanceHandler(SHARED.durable, instance))
    async with consuming(nats_url, processor, batch_size=10):
        print("ready", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    """Parse the arguments and consume until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("nats_url")
    parser.add_argument("instance")
    args = parser.parse_args()
    asyncio.run(work(args.database_url, args.nats_url, args.instance))


if __name__ == "__main__":
    main()
