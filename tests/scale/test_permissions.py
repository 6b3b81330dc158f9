"""The locked-down bus: accounts.conf as committed, loaded by a real nats-server.

Services publish only their own events and reach only their own consumers; private contact data
is readable by notifications alone; an integration reads its own province's public events and
publishes nothing. Each refusal is checked twice: the server reports the violation, and the
effect (a stored message, a consumer, a delivery) did not happen.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from deploy.nats.accounts import PUBLIC_EVENTS, inbox_prefix, integrations
from deploy.nats.feeds import create_feeds, feed_subject
from pilar_contracts.consumers import NOTIFICATIONS_CONTACTS, REGISTRY_CASES
from pilar_contracts.events.registry import ContactChanged
from pilar_contracts.streams import CASES, DLQ, PRIVATE, REGISTRY
from pilar_contracts.subjects import dead_letter_subject, event_subject, province_pattern
from pilar_kit.provision import provision
from tests.integration.kit_app import certified, wait_until
from tests.scale.conftest import Servers

pytestmark = pytest.mark.integration

CONTACT = event_subject(ContactChanged.kind.type_name, "33.71", private=True)
REFERRED = event_subject("pilar.cases.case.referred.v1", "33.71")
SERVICES = ("registry", "cases", "notifications", "analytics")


@dataclass
class Session:
    """One user's connection and the violations the server reported to it."""

    nc: Client
    errors: list[str] = field(default_factory=list)

    @property
    def js(self) -> JetStreamContext:
        """JetStream with a short timeout: a refused request simply never gets an answer."""
        return self.nc.jetstream(timeout=1.0)

    async def refused(self, action: str, subject: str) -> None:
        """Wait until the server reported ``action`` (Publish/Subscription) to ``subject``."""
        expected = f'permissions violation for {action} to "{subject}"'.lower()

        async def reported() -> bool:
            return any(expected in e.lower() for e in self.errors)

        await wait_until(reported, f"{expected} in {self.errors}", within=10)


@pytest.fixture
async def connect(single_server: Servers) -> AsyncIterator[dict[str, Session]]:
    """Sessions per user, opened on demand through ``sessions[user]``; all closed afterwards."""
    sessions: dict[str, Session] = {}
    for user in ("ops", *SERVICES, *(i.user for i in integrations())):
        errors: list[str] = []

        async def on_error(exc: Exception, errors: list[str] = errors) -> None:
            errors.append(str(exc))

        prefix = inbox_prefix(user) if user in SERVICES else "_INBOX"
        nc = await nats.connect(
            single_server.url("solo", user), error_cb=on_error, inbox_prefix=prefix
        )
        sessions[user] = Session(nc, errors)
    await provision(sessions["ops"].nc.jetstream())
    try:
        yield sessions
    finally:
        for session in sessions.values():
            await session.nc.close()


async def stored(ops: Session, stream: str) -> int:
    """How many messages a stream holds (asked as ops)."""
    return int((await ops.js.stream_info(stream)).state.messages)


async def test_services_publish_their_own_events_and_read_their_own_consumers(
    connect: dict[str, Session],
) -> None:
    registry, notifications, ops = connect["registry"], connect["notifications"], connect["ops"]
    event = certified(region="33.71")
    ack = await registry.js.publish(event.nats_subject, event.body)
    assert ack.stream == REGISTRY.name
    assert (await registry.js.publish(CONTACT, b"{}")).stream == PRIVATE.name
    dead = await registry.js.publish(dead_letter_subject(REGISTRY_CASES.durable), b"{}")
    assert dead.stream == DLQ.name

    await ops.js.publish(REFERRED, b"{}")
    for session, spec in ((registry, REGISTRY_CASES), (notifications, NOTIFICATIONS_CONTACTS)):
        sub = await session.js.pull_subscribe(
            spec.filter_subject, durable=spec.durable, stream=spec.stream
        )
        [msg] = await sub.fetch(1, timeout=5)
        await msg.ack_sync()
        info = await ops.js.consumer_info(spec.stream, spec.durable)
        assert info.ack_floor is not None
        assert info.ack_floor.stream_seq == 1
    assert registry.errors == []
    assert notifications.errors == []


async def test_a_service_cannot_publish_for_another_nor_reach_private_data(
    connect: dict[str, Session],
) -> None:
    registry, cases, analytics, ops = (
        connect[u] for u in ("registry", "cases", "analytics", "ops")
    )
    await connect["registry"].js.publish(CONTACT, b"{}")

    await registry.nc.publish(REFERRED, b"{}")
    await registry.refused("publish", REFERRED)
    await cases.nc.publish(CONTACT, b"{}")
    await cases.refused("publish", CONTACT)
    assert await stored(ops, CASES.name) == 0
    assert await stored(ops, PRIVATE.name) == 1

    sneak = ConsumerConfig(durable_name="sneak", ack_policy=AckPolicy.EXPLICIT)
    with pytest.raises(TimeoutError):
        await analytics.js.add_consumer(PRIVATE.name, sneak)
    await analytics.refused("publish", f"$JS.API.CONSUMER.DURABLE.CREATE.{PRIVATE.name}.sneak")
    with pytest.raises(TimeoutError):
        await analytics.js.get_msg(PRIVATE.name, 1)
    await analytics.refused("publish", f"$JS.API.STREAM.MSG.GET.{PRIVATE.name}")
    spec = NOTIFICATIONS_CONTACTS
    fetch = f"$JS.API.CONSUMER.MSG.NEXT.{spec.stream}.{spec.durable}"
    with pytest.raises(TimeoutError):
        await analytics.nc.request(fetch, b"1", timeout=1)
    await analytics.refused("publish", fetch)
    consumers = [c.name for c in await ops.js.consumers_info(PRIVATE.name)]
    assert consumers == [NOTIFICATIONS_CONTACTS.durable]

    await registry.nc.subscribe(f"{inbox_prefix('notifications')}.>")
    await registry.refused("subscription", f"{inbox_prefix('notifications')}.>")
    with pytest.raises(TimeoutError):
        await cases.js.delete_stream(REGISTRY.name)
    assert (await ops.js.stream_info(REGISTRY.name)).config.name == REGISTRY.name


class Inbox:
    """Messages received by one core subscription."""

    def __init__(self) -> None:
        self.subjects: list[str] = []

    async def receive(self, msg: Msg) -> None:
        """The subscription's callback."""
        self.subjects.append(msg.subject)

    async def holds(self, subject: str) -> None:
        """Wait until ``subject`` arrived."""

        async def arrived() -> bool:
            return subject in self.subjects

        await wait_until(arrived, f"{subject} delivered", within=10)


async def test_an_integration_reads_public_events_of_its_own_province_only(
    connect: dict[str, Session],
) -> None:
    bpbd, bnpb, registry = connect["bpbd-33"], connect["bnpb"], connect["registry"]
    province, nation = Inbox(), Inbox()
    await bpbd.nc.subscribe(province_pattern("33"), cb=province.receive)
    await bnpb.nc.subscribe(PUBLIC_EVENTS, cb=nation.receive)
    for forbidden in (province_pattern("52"), "pilar.private.>", "pilar.>"):
        await bpbd.nc.subscribe(forbidden, cb=province.receive)
        await bpbd.refused("subscription", forbidden)
    await bpbd.nc.flush()
    await bnpb.nc.flush()

    ours, theirs, last = certified(region="33.71"), certified(region="52.01"), certified()
    for event in (ours, theirs):
        await registry.js.publish(event.nats_subject, event.body)
    await registry.js.publish(CONTACT, b"{}")  # private, province 33
    await registry.js.publish(last.nats_subject, last.body)
    await province.holds(last.nats_subject)  # one publisher: whatever else came, came before
    await nation.holds(last.nats_subject)
    assert province.subjects == [ours.nats_subject, last.nats_subject]
    assert nation.subjects == [ours.nats_subject, theirs.nats_subject, last.nats_subject]


async def test_an_integration_publishes_nothing_and_replays_through_its_feed(
    connect: dict[str, Session],
) -> None:
    bpbd, registry, ops = connect["bpbd-33"], connect["registry"], connect["ops"]
    events = [certified(region=r) for r in ("33.71", "52.01", "33.01")]
    for event in events:
        await registry.js.publish(event.nats_subject, event.body)
    for subject in (events[0].nats_subject, "$JS.API.INFO", "integration.bpbd-33.x", "_INBOX.x"):
        await bpbd.nc.publish(subject, b"{}")
        await bpbd.refused("publish", subject)
    assert await stored(ops, REGISTRY.name) == len(events)

    [integration] = [i for i in integrations() if i.user == "bpbd-33"]
    await create_feeds(ops.js, integration)
    feed = Inbox()
    await bpbd.nc.subscribe(feed_subject(integration, REGISTRY.name), cb=feed.receive)
    await bpbd.nc.subscribe("integration.bnpb.>", cb=feed.receive)
    await bpbd.refused("subscription", "integration.bnpb.>")
    await feed.holds(events[2].nats_subject)
    assert feed.subjects == [events[0].nats_subject, events[2].nats_subject]
