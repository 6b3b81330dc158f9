"""The same call-out delivered to the service four times sends one message, on both databases.

JetStream drops a repeated ``Nats-Msg-Id`` only within its duplicate window (an hour here), so
the copies are published with fresh message ids: what a producer republishing after the window,
or a replay from another stream, looks like. Every copy keeps the event's ``ce-id``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import nats

from pilar_contracts import wrap
from pilar_contracts.consumers import NOTIFICATIONS_REGISTRY
from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from pilar_notifications.app import create_app
from tests.api.harness import bearer, serving
from tests.integration.test_notifications_gateway import (
    Gateway,
    contact,
    deployed,
    eventually,
    gateway,
    publish,
    settings,
)

__all__ = ["gateway"]  # the fixture shared with the gateway tests
COPIES = 3


async def test_an_event_delivered_four_times_sends_one_message(
    database_url: str, nats_server: NatsServer, tmp_path: Path, gateway: tuple[Gateway, int]
) -> None:
    fake, port = gateway
    person = contact("+6281100000701", ["whatsapp"])
    callout = wrap(
        deployed(person.person_id), source="/pilar/registry", subject="t", region="33.71"
    )
    config = settings(database_url, nats_server.url, tmp_path, port, 9)
    async with serving(create_app, config) as (http, runtime):
        await publish(nats_server.url, person)
        nc = await nats.connect(nats_server.url)
        js = nc.jetstream()
        try:
            await js.publish(callout.nats_subject, callout.body, headers=callout.envelope.headers())

            async def delivered() -> list[dict[str, Any]] | None:
                r = await http.get("/deliveries", headers=bearer(Role.NATIONAL_OPERATOR))
                rows = r.json()
                return rows if rows and rows[0]["status"] == "delivered" else None

            await eventually(delivered)
            for _ in range(COPIES):
                headers = callout.envelope.headers() | {"Nats-Msg-Id": str(uuid4())}
                ack = await js.publish(callout.nats_subject, callout.body, headers=headers)
                assert not ack.duplicate  # JetStream stored it: the service will see it

            def duplicates() -> float:
                labels = {
                    "service": "notifications",
                    "consumer": NOTIFICATIONS_REGISTRY.durable,
                    "outcome": "duplicate",
                }
                value = runtime.registry.get_sample_value("pilar_events_consumed_total", labels)
                return value or 0.0

            async def all_seen() -> bool | None:
                info = await js.consumer_info("PILAR_REGISTRY", NOTIFICATIONS_REGISTRY.durable)
                settled = info.num_pending == 0 and info.num_ack_pending == 0
                return True if settled and duplicates() == COPIES else None

            await eventually(all_seen)
            log = await eventually(delivered)
        finally:
            await nc.close()

    assert len(fake.sent_to(person.whatsapp or "")) == 1
    assert len(log) == 1
    assert log[0]["cause_event_id"] == str(callout.envelope.id)
    assert log[0]["attempts"] == 1
