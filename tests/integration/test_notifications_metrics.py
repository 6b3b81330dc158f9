"""The metrics ops watch: queue depth per lane, end-to-end delay, outcomes by channel and reason.

Real nats-server, a real local gateway, SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from pilar_notifications.app import create_app
from pilar_notifications.dispatcher import Dispatcher
from pilar_notifications.metrics import reason_label
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
from tests.integration.test_notifications_ratelimit import (
    config_for,
    drain,
    queue,
    throttling_gateway,
    without_loop,
)

__all__ = ["gateway"]  # the fixture shared with the gateway tests


async def test_queue_depth_per_lane_and_the_delay_from_the_cause_event(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    async with throttling_gateway({2}) as (_gateway, port):
        config = config_for(database_url, nats_server.url, tmp_path, port, retry_base_seconds=0.01)
        async with without_loop(config) as (runtime, dispatcher):
            now = datetime.now(UTC)
            caused = now - timedelta(seconds=100)  # the events happened 100 s ago
            await queue(runtime, [f"+62813000{n:04d}" for n in range(3)], 0, now, caused)
            await queue(runtime, [f"+62813100{n:04d}" for n in range(2)], 1, now, caused)
            await dispatcher.watch_depth(runtime)
            before = samples(runtime.registry, "pilar_notifications_queue_depth")
            await drain(runtime, dispatcher)
            await dispatcher.watch_depth(runtime)
            after = samples(runtime.registry, "pilar_notifications_queue_depth")
            value = runtime.registry.get_sample_value
            delay = "pilar_notifications_delivery_delay_seconds"
            figures = {
                "sent": value("pilar_notifications_sent_total", {"channel": "sms"}),
                "delivered": value("pilar_notifications_delivered_total", {"channel": "sms"}),
                "throttled": value(
                    "pilar_notifications_failed_total",
                    {"channel": "sms", "reason": "gateway_throttled"},
                ),
                "delays": value(f"{delay}_count", {"channel": "sms"}),
                "under_a_minute": value(f"{delay}_bucket", {"channel": "sms", "le": "60.0"}),
                "under_15_minutes": value(f"{delay}_bucket", {"channel": "sms", "le": "900.0"}),
            }

    assert before == {(("lane", "urgent"),): 3.0, (("lane", "routine"),): 2.0}
    assert after == {(("lane", "urgent"),): 0.0, (("lane", "routine"),): 0.0}
    assert figures == {
        "sent": 6.0,  # one of them was throttled and sent again
        "delivered": 5.0,
        "throttled": 1.0,
        "delays": 5.0,
        "under_a_minute": 0.0,
        "under_15_minutes": 5.0,
    }


def samples(registry: Any, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """A metric's samples by their sorted labels."""
    found = {}
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


async def test_a_restarted_dispatch_loop_registers_its_metrics_once(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    async with throttling_gateway(set()) as (gateway, port):
        config = config_for(database_url, nats_server.url, tmp_path, port)
        async with without_loop(config) as (runtime, _manual):
            loop = Dispatcher(config, _manual.channels)
            for round_ in range(2):  # the kit restarts a crashed job with the same object
                await queue(runtime, [f"+6281400000{round_}"], 0, datetime.now(UTC))
                task = asyncio.create_task(loop.run(runtime))

                async def sent(
                    expected: int = round_ + 1, task: asyncio.Task[None] = task
                ) -> bool | None:
                    assert not task.done(), task  # a duplicate registration would end it
                    return True if len(gateway.seen) == expected else None

                await eventually(sent)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            families = [f.name for f in runtime.registry.collect()]

    assert families.count("pilar_notifications_sent") == 1
    assert len(gateway.seen) == 2


async def test_the_service_exposes_its_metrics_with_bounded_labels(
    database_url: str, nats_server: NatsServer, tmp_path: Path, gateway: tuple[Gateway, int]
) -> None:
    _fake, port = gateway
    person = contact("+6281100000601", ["whatsapp"])
    config = settings(database_url, nats_server.url, tmp_path, port, 9)
    async with serving(create_app, config) as (http, _runtime):
        await publish(nats_server.url, person)
        await publish(nats_server.url, deployed(person.person_id))

        async def delivered() -> str | None:
            text = (await http.get("/metrics")).text
            line = 'pilar_notifications_delivered_total{channel="whatsapp"} 1.0'
            return text if line in text else None

        text = await eventually(delivered)
        log = (await http.get("/deliveries", headers=bearer(Role.NATIONAL_OPERATOR))).json()

    assert log[0]["status"] == "delivered"
    assert 'pilar_notifications_sent_total{channel="whatsapp"} 1.0' in text
    assert 'pilar_notifications_delivery_delay_seconds_count{channel="whatsapp"} 1.0' in text
    assert 'pilar_notifications_queue_depth{lane="urgent"}' in text
    assert 'pilar_notifications_queue_depth{lane="routine"}' in text
    assert "+6281100000601" not in text
    assert reason_label("gateway_timeout") == "gateway_timeout"
    assert reason_label("a reason nobody listed") == "other"
