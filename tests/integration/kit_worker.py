"""A consumer process of the test service, for the kill -9 test: it runs until it is killed.

``python -m tests.integration.kit_worker DATABASE_URL NATS_URL MARKS_DIR``

Two events put the process where a crash hurts most, the first time any worker process handles
them (a marker file in ``MARKS_DIR`` remembers it across processes):

- ``STALL-...``: the handler applies it, prints ``stalled`` and waits for ever inside the still
  open transaction of its batch, so the test's SIGKILL lands mid-transaction;
- ``DIE-AFTER-COMMIT-...``: the process SIGKILLs itself right after its batch commits and before
  any message of the batch is acknowledged, so the whole batch is redelivered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts.events.registry import VolunteerCertified
from pilar_kit.consumer import Delivery
from tests.integration.kit_app import WORKER_SPEC, CertifiedHandler, KitApp, consuming


def _kill_myself(_session: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class CrashingHandler(CertifiedHandler):
    """The test service's handler, plus the two crash points."""

    def __init__(self, consumer: str, marks: Path) -> None:
        super().__init__(consumer)
        self.marks = marks

    def _first_time(self, event: VolunteerCertified) -> bool:
        mark = self.marks / str(event.certification_id)
        if mark.exists():
            return False
        mark.touch()
        return True

    async def __call__(
        self, event: VolunteerCertified, delivery: Delivery, session: AsyncSession
    ) -> None:
        """Apply the event, then stall or arrange to die if the event asks for it."""
        await super().__call__(event, delivery, session)
        crash_point = event.certificate_no.startswith(("STALL-", "DIE-AFTER-COMMIT-"))
        if not crash_point or not self._first_time(event):
            return
        if event.certificate_no.startswith("STALL-"):
            print("stalled", flush=True)
            await asyncio.Event().wait()  # the test kills us here, transaction open
        sa_event.listen(session.sync_session, "after_commit", _kill_myself, once=True)


async def work(database_url: str, nats_url: str, marks: Path) -> None:
    """Consume ``WORKER_SPEC`` until killed."""
    app = await KitApp.open(database_url, create=False)
    processor = app.processor(WORKER_SPEC, CrashingHandler(WORKER_SPEC.durable, marks))
    async with consuming(nats_url, processor, batch_size=20):
        print("ready", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    """Parse the arguments and consume until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("nats_url")
    parser.add_argument("marks", type=Path, help="folder of crash points already passed")
    args = parser.parse_args()
    asyncio.run(work(args.database_url, args.nats_url, args.marks))


if __name__ == "__main__":
    main()
