"""Referral load from cases' events: duplicated and out-of-order deliveries keep the count right."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import func, select

from pilar_contracts import Event, wrap
from pilar_contracts.events.cases import (
    SOURCE,
    CaseReferred,
    ReferralAccepted,
    ReferralCompleted,
    ReferralDeclined,
    ReferralExpired,
    ReferralWithdrawn,
)
from pilar_contracts.events.fields import RecipientKind
from pilar_kit.auth import Role
from pilar_kit.consumer import Delivery
from pilar_kit.runtime import Runtime
from pilar_registry import handlers
from pilar_registry.store import inbox
from tests.api.harness import CHECKER, Service, bearer, enrol

pytestmark = pytest.mark.integration
NATIONAL = bearer(Role.NATIONAL_OPERATOR)
CASE = uuid4()


def referred(referral: UUID, to: UUID, kind: RecipientKind = RecipientKind.VOLUNTEER) -> Event:
    accept_by = datetime.now(UTC) + timedelta(hours=48)
    return CaseReferred(
        case_id=CASE,
        referral_id=referral,
        to_kind=kind,
        to_id=to,
        service="pendampingan",
        accept_by=accept_by,
        attempt=1,
    )


def lifecycle(referral: UUID, to: UUID, ending: str | None) -> list[Event]:
    """The events cases publishes for one referral, in the order it publishes them."""
    events = [referred(referral, to)]
    if ending in ("accepted", "completed"):
        events.append(ReferralAccepted(referral_id=referral, case_id=CASE, by_id=to))
    if ending == "completed":
        events.append(
            ReferralCompleted(referral_id=referral, case_id=CASE, outcome="ok", quality=4)
        )
    if ending == "declined":
        events.append(
            ReferralDeclined(referral_id=referral, case_id=CASE, by_id=to, reason_code="penuh")
        )
    if ending == "expired":
        events.append(ReferralExpired(referral_id=referral, case_id=CASE, to_id=to))
    if ending == "withdrawn":
        withdrawn = ReferralWithdrawn(
            referral_id=referral, case_id=CASE, to_id=to, reason_code="consent_withdrawn"
        )
        events.append(withdrawn)
    return events


HANDLERS = {
    CaseReferred: handlers.on_case_referred,
    ReferralAccepted: handlers.on_referral_accepted,
    ReferralDeclined: handlers.on_referral_declined,
    ReferralExpired: handlers.on_referral_ended_unanswered,
    ReferralWithdrawn: handlers.on_referral_ended_unanswered,
    ReferralCompleted: handlers.on_referral_completed,
}


async def deliver(runtime: Runtime, event: Event) -> None:
    """Hand one event to its handler as the consumer does, in a transaction of its own."""
    message = wrap(event, source=SOURCE, subject=f"case/{CASE}", region="33.71")
    delivery = Delivery(message.envelope, message.nats_subject, num_delivered=1)
    async with runtime.transaction() as session:
        await HANDLERS[type(event)](event, delivery, session)


async def load(http: httpx.AsyncClient, path: str) -> int:
    response = await http.get(path, headers=NATIONAL)
    assert response.status_code == 200, response.text
    return int(response.json()["open_referrals"])


async def lks(http: httpx.AsyncClient) -> str:
    body = {
        "psks_type": "PSKS-06",
        "region": "33.71.01.1003",
        "name": "LK3 Sakinah",
        "contact_name": "Pak Harun",
    }
    created = await http.post("/institutions", json=body, headers=NATIONAL)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


@pytest.mark.parametrize(
    ("ending", "open_after"),
    [
        (None, 1),
        ("accepted", 1),
        ("completed", 0),
        ("declined", 0),
        ("expired", 0),
        ("withdrawn", 0),
    ],
)
async def test_every_order_of_one_referrals_events_ends_at_the_same_load(
    registry: Service, ending: str | None, open_after: int
) -> None:
    http, runtime = registry
    person = UUID(await enrol(http, region="33.71.01.1003", serial=1))
    events = lifecycle(uuid4(), person, ending)
    for order in itertools.permutations(events):
        referral = uuid4()  # a fresh referral per order, so that the loads add up
        renamed = [e.model_copy(update={"referral_id": referral}) for e in order]
        for event in renamed:
            await deliver(runtime, event)
        await deliver(runtime, renamed[0])  # and one of them again, late
    orders = len(list(itertools.permutations(events)))
    assert await load(http, f"/volunteers/{person}") == open_after * orders


async def test_interleaved_duplicated_referrals_of_people_and_institutions(
    registry: Service,
) -> None:
    http, runtime = registry
    person = UUID(await enrol(http, region="33.71.01.1003", serial=2))
    institution = UUID(await lks(http))
    endings = [None, "accepted", "completed", "declined", "expired", "completed", "accepted"]
    events = [e for end in endings for e in lifecycle(uuid4(), person, end)]
    events += [e for end in ("accepted", "completed") for e in lifecycle(uuid4(), institution, end)]
    shuffled = events + events[::3]  # some delivered twice
    random.Random(7).shuffle(shuffled)
    for event in shuffled:
        await deliver(runtime, event)
    assert await load(http, f"/volunteers/{person}") == 3  # one open, two accepted
    assert await load(http, f"/institutions/{institution}") == 1


async def test_referral_events_over_nats_keep_the_load(registry: Service) -> None:
    http, runtime = registry
    person = UUID(await enrol(http, region="33.71.01.1003", serial=3))
    kept, done = uuid4(), uuid4()
    accepted, referred_kept = lifecycle(kept, person, "accepted")[::-1]
    referred_done, accepted_done, completed = lifecycle(done, person, "completed")
    # out of order, one message published twice (the same event id), one event sent twice
    order = [accepted, completed, accepted_done, referred_kept, referred_done, accepted_done]
    messages = [wrap(e, source=SOURCE, subject=f"case/{CASE}", region="33.71") for e in order]
    messages.insert(1, messages[0])
    assert runtime.nc is not None
    js = runtime.nc.jetstream()
    for message in messages:
        await js.publish(message.nats_subject, message.body, headers=message.envelope.headers())

    async def applied() -> int:
        async with runtime.transaction() as session:
            return int(await session.scalar(select(func.count()).select_from(inbox)) or 0)

    deadline = time.monotonic() + 20
    while await applied() < len(order):
        assert time.monotonic() < deadline, "the referral events were not consumed"
        await asyncio.sleep(0.1)
    assert await load(http, f"/volunteers/{person}") == 1
    metrics = (await http.get("/metrics")).text
    assert 'pilar_registry_referral_events_total{state="closed"} 1.0' in metrics


async def test_capacity_is_set_over_http_and_shown_beside_the_load(registry: Service) -> None:
    http, runtime = registry
    person = await enrol(http, region="33.71.01.1003", serial=4)
    await deliver(runtime, referred(uuid4(), UUID(person)))
    checker = bearer(Role.REGENCY_OPERATOR, "33.71", subject=CHECKER)
    response = await http.put(
        f"/volunteers/{person}/capacity", json={"capacity": 1}, headers=checker
    )
    assert response.status_code == 200, response.text
    assert (response.json()["capacity"], response.json()["open_referrals"]) == (1, 1)
    negative = await http.put(
        f"/volunteers/{person}/capacity", json={"capacity": -1}, headers=checker
    )
    assert negative.status_code == 422
