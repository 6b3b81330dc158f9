"""Poison messages and dead-letter tooling against a real nats-server, on SQLite and PostgreSQL.

Poison never blocks a consumer: it lands in ``PILAR_DLQ`` with a reason that does not echo the
message (it may hold personal data) and with the original headers; the good events behind it are
applied. Dead letters can be listed and, after a fix, replayed: the failing consumer applies the
event, a consumer that already applied it skips it through its inbox.
"""

from __future__ import annotations

import asyncio
import json
import sys
from functools import partial
from uuid import UUID, uuid4

import pytest
from nats.aio.client import Client

from pilar_contracts.streams import DLQ, PRIVATE, REGISTRY
from pilar_kit.deadletters import (
    BODY,
    CONSUMER,
    DELIVERIES,
    REASON,
    STREAM,
    STREAM_SEQ,
    SUBJECT,
    WITHHELD,
    dead_letter,
    list_dead_letters,
    replay,
)
from pilar_kit.natsserver import NatsServer
from pilar_kit.provision import provision
from tests.integration.kit_app import (
    CertifiedHandler,
    KitApp,
    certified,
    consumer_caught_up,
    consumer_settled,
    consumer_spec,
    consuming,
    wait_until,
)

pytestmark = pytest.mark.integration

NIK = "3371015505900001"  # a personal-looking 16-digit NIK that must never reach a reason


def _poison() -> dict[str, tuple[dict[str, str], bytes]]:
    """Bad messages on the certified subject, by name: (headers, body)."""

    def headers(**changes: str) -> dict[str, str]:
        base = certified().envelope.headers()
        return {**base, **changes}

    valid_body = certified().body
    return {
        "broken-json": (headers(), b'{"volunteer_id": "' + NIK.encode() + b'", "scheme": '),
        "invalid": (
            headers(),
            json.dumps(
                {
                    "volunteer_id": NIK,
                    "psks_type": NIK,
                    "region": NIK,
                    "certification_id": str(uuid4()),
                    "scheme": "PSM",
                    "certificate_no": NIK * 5,
                    "valid_from": NIK,
                }
            ).encode(),
        ),
        "no-ce-headers": ({"Nats-Msg-Id": str(uuid4()), "X-Origin": "kit-test"}, valid_body),
        "unknown-type": (headers(**{"ce-type": "pilar.registry.volunteer.teleported.v1"}), b"{}"),
        "nik-in-envelope": (headers(**{"ce-region": NIK, "ce-time": NIK}), valid_body),
    }


async def test_poison_goes_to_the_dlq_with_a_reason_and_never_blocks(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    spec = consumer_spec("kit-poison")
    await provision(js, consumers=[spec])
    subject = certified().nats_subject
    poison = _poison()
    good = []
    sequence_of: dict[str, int] = {}
    for name, (headers, body) in poison.items():  # good, poison, good, poison, ..., good
        event = certified()
        good.append(event)
        await js.publish(event.nats_subject, event.body, headers=event.envelope.headers())
        ack = await js.publish(subject, body, headers=dict(headers))
        sequence_of[name] = ack.seq
    last = certified()
    good.append(last)
    tail = await js.publish(last.nats_subject, last.body, headers=last.envelope.headers())

    processor = app.processor(spec, CertifiedHandler(spec.durable))
    async with consuming(nats_server.url, processor):
        await wait_until(lambda: consumer_caught_up(js, spec, tail.seq), "consumer past the poison")
        await wait_until(lambda: consumer_settled(js, spec), "consumer settled")

    applied = await app.applied_ids(spec.durable)
    assert sorted(applied) == sorted(e.envelope.id for e in good)

    letters = {int(d.headers[STREAM_SEQ]): d for d in await list_dead_letters(js, spec.durable)}
    assert sorted(letters) == sorted(sequence_of.values())
    for name, (headers, body) in poison.items():
        letter = letters[sequence_of[name]]
        assert letter.consumer == spec.durable
        assert letter.headers[CONSUMER] == spec.durable
        assert letter.headers[SUBJECT] == subject
        assert letter.headers[STREAM] == REGISTRY.name
        assert letter.body == body
        for key, value in headers.items():  # the original headers are kept
            if key != "Nats-Msg-Id":
                assert letter.headers[key] == value, (name, key)
        assert letter.reason not in ("", "?")
        assert NIK not in letter.reason, (name, letter.reason)
        assert NIK[:8] not in letter.reason, (name, letter.reason)

    reasons = {name: letters[sequence_of[name]].reason for name in poison}
    assert reasons["broken-json"].startswith("invalid event")
    assert "volunteer_id" in reasons["invalid"]
    assert "psks_type" in reasons["invalid"]
    assert reasons["no-ce-headers"].startswith("invalid envelope: missing ce-specversion, ce-id")
    assert reasons["unknown-type"] == "unknown event type pilar.registry.volunteer.teleported.v1"
    assert reasons["nik-in-envelope"] == "invalid envelope: malformed ce-time, ce-region"
    assert app.dead_lettered(spec.durable, "invalid") == len(poison)
    assert (await js.stream_info(DLQ.name)).state.messages == len(poison)


async def test_dead_letters_are_listed_and_replayed_once_per_consumer(
    app: KitApp, nc: Client, nats_server: NatsServer
) -> None:
    js = nc.jetstream()
    failing_spec, healthy_spec = consumer_spec("kit-failing"), consumer_spec("kit-healthy")
    await provision(js, consumers=[failing_spec, healthy_spec])
    assert await list_dead_letters(js) == []  # a fresh, empty DLQ lists nothing

    broken, rejected = certified("ALWAYS-until-fixed"), certified("PERMANENT-for-good")
    fine = [certified() for _ in range(5)]
    await app.stage(*fine[:2], broken, *fine[2:4], rejected, fine[4])
    assert await app.relay(js).publish_pending() == 7

    failing = CertifiedHandler(failing_spec.durable)
    healthy = CertifiedHandler(healthy_spec.durable, faults=False)  # applies every event
    processors = [
        app.processor(failing_spec, failing, max_attempts=2, backoff=(0.05,)),
        app.processor(healthy_spec, healthy),
    ]
    all_ids = {e.envelope.id for e in [*fine, broken, rejected]}
    async with consuming(nats_server.url, *processors):
        for spec in (failing_spec, healthy_spec):
            await wait_until(partial(consumer_settled, js, spec), f"{spec.durable} settled")

        letters = await list_dead_letters(js)
        assert {(d.consumer, UUID(d.event_id)) for d in letters} == {
            (failing_spec.durable, broken.envelope.id),
            (failing_spec.durable, rejected.envelope.id),
        }
        assert await list_dead_letters(js, "kit-nobody") == []
        mine = {UUID(d.event_id): d for d in await list_dead_letters(js, failing_spec.durable)}
        assert mine[broken.envelope.id].reason.startswith("exhausted after ")
        assert int(mine[broken.envelope.id].headers[DELIVERIES]) >= 2  # max_attempts
        assert mine[rejected.envelope.id].reason.startswith("rejected")
        assert sorted(await app.applied_ids(healthy_spec.durable)) == sorted(all_ids)

        # the operator's view, through the command line
        cli = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "pilar_kit.deadletters", "--nats", nats_server.url),
            *("--consumer", failing_spec.durable, "list"),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(cli.communicate(), 60)
        assert cli.returncode == 0
        listing = out.decode()
        assert str(broken.envelope.id) in listing
        assert "exhausted after " in listing
        assert "2 dead letter(s)" in listing

        # fix the handler, replay the broken event through the command line: the failing
        # consumer applies it, the healthy one (which sees the replay too) already did and skips
        failing.fixed = True
        before = (await js.stream_info(REGISTRY.name)).state.last_seq
        letter = mine[broken.envelope.id]
        cli = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "pilar_kit.deadletters", "--nats", nats_server.url),
            *("replay", str(letter.seq)),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(cli.communicate(), 60)
        assert cli.returncode == 0
        assert f"replayed {letter.seq} " in out.decode()
        replayed_seq = (await js.stream_info(REGISTRY.name)).state.last_seq
        assert replayed_seq == before + 1

        async def applied_by_failing() -> bool:
            return broken.envelope.id in await app.applied_ids(failing_spec.durable)

        await wait_until(applied_by_failing, "the replayed event applied")
        for spec in (failing_spec, healthy_spec):
            caught_up = partial(consumer_caught_up, js, spec, replayed_seq)
            await wait_until(caught_up, f"{spec.durable} past the replay")

    failing_applied = await app.applied_ids(failing_spec.durable)
    assert sorted(failing_applied) == sorted(all_ids - {rejected.envelope.id})
    healthy_applied = await app.applied_ids(healthy_spec.durable)
    assert sorted(healthy_applied) == sorted(all_ids)  # the replay was not applied twice
    assert app.consumed(healthy_spec.durable, "duplicate") == 1
    remaining = await list_dead_letters(js)  # the replayed letter left the DLQ, the other stays
    assert [(d.consumer, UUID(d.event_id)) for d in remaining] == [
        (failing_spec.durable, rejected.envelope.id)
    ]
    assert REASON in remaining[0].headers


async def test_a_private_event_is_dead_lettered_without_its_body_and_replayed_from_source(
    nc: Client,
) -> None:
    js = nc.jetstream()
    await provision(js, consumers=[])
    subject = "pilar.private.registry.contact.changed.v1.33.71"
    headers = {**certified().envelope.headers(), "Nats-Msg-Id": str(uuid4())}
    body = json.dumps({"nik": NIK, "phone": "+6281234567890"}).encode()
    await js.publish(subject, body, headers=headers)
    sub = await js.pull_subscribe(subject, durable="kit-private", stream=PRIVATE.name)
    [msg] = await sub.fetch(1, timeout=5)
    await dead_letter(js, msg, consumer="kit-private", reason="invalid event: nik: unknown field")

    [letter] = await list_dead_letters(js, "kit-private")
    assert letter.body == b""
    assert letter.headers[BODY] == WITHHELD
    assert letter.headers[STREAM] == PRIVATE.name
    assert not any(NIK in v or "812345" in v for v in letter.headers.values())

    await replay(js, letter)
    replayed = await js.get_last_msg(PRIVATE.name, subject)
    assert replayed.data == body
    assert replayed.seq == msg.metadata.sequence.stream + 1
    assert await list_dead_letters(js, "kit-private") == []
