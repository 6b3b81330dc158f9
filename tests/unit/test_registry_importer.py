"""The bulk importer's fast paths give what the general ones give."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from uuid6 import uuid7

from pilar_contracts import wrap
from pilar_contracts.events.registry import SOURCE
from pilar_registry import domain
from pilar_registry.domain import Contact, Registration
from pilar_registry.importer import Wrapper, uuid7_batch

FORM = Registration(
    "PSKS-03",
    "33.71.01.1003",
    "3371011508900001",
    Contact("Ani", "ani@example.org", "+6281234567890"),
    ("dapur_umum", "shelter"),
    {"tier": "muda"},
)


def test_wrapper_makes_the_envelope_wrap_makes_with_the_given_id_and_time() -> None:
    now = datetime.now(UTC)
    _, events = domain.register(FORM, volunteer_id=uuid7(), by="op-1", now=now)
    fast = Wrapper(SOURCE)
    for event in events * 2:  # the second round uses the cached subject
        reference = wrap(event, source=SOURCE, subject="volunteer/x", region=FORM.region)
        event_id = uuid7()
        made = fast(event, event_id=event_id, at=now, subject="volunteer/x", region=FORM.region)
        assert made.nats_subject == reference.nats_subject
        assert made.body == reference.body
        expected = reference.envelope.model_copy(update={"id": event_id, "time": now})
        assert made.envelope == expected
        assert made.envelope.headers()["ce-id"] == str(event_id)


def test_a_private_event_goes_to_the_private_subject_of_its_regency() -> None:
    now = datetime.now(UTC)
    _, (registered, contact) = domain.register(FORM, volunteer_id=uuid7(), by="op-1", now=now)
    fast = Wrapper(SOURCE)
    public = fast(registered, event_id=uuid7(), at=now, subject="s", region=FORM.region)
    private = fast(contact, event_id=uuid7(), at=now, subject="s", region=FORM.region)
    other = fast(contact, event_id=uuid7(), at=now, subject="s", region="32.04.01.2001")
    assert public.nats_subject.endswith(".33.71")
    assert not public.nats_subject.startswith("pilar.private.")
    assert private.nats_subject.startswith("pilar.private.")
    assert private.nats_subject.endswith(".33.71")
    assert other.nats_subject.endswith(".32.04")


def test_uuid7_batch_gives_distinct_ascending_version_7_ids_of_now() -> None:
    before = time.time_ns() // 1_000_000
    ids = uuid7_batch(3000)
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 3000
    assert ids == sorted(ids)
    assert {u.version for u in ids} == {7}
    assert {u.variant for u in ids} == {"specified in RFC 4122"}
    assert all(before <= u.int >> 80 <= after for u in ids)
    assert len({u.int & ((1 << 62) - 1) for u in ids}) == 3000  # the random bits vary
    assert uuid7_batch(0) == []
