"""The CloudEvents binary-mode envelope and the subject builder."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from pilar_contracts import ALL_EVENTS, CATALOGUE, Envelope, EnvelopeError, event_class, wrap
from pilar_contracts.events.registry import ContactChanged, VolunteerCertified
from pilar_contracts.subjects import (
    dead_letter_subject,
    event_subject,
    province_pattern,
    region_tokens,
    subject_province,
    type_pattern,
)


def certified(region: str = "33.71.01.1003") -> VolunteerCertified:
    return VolunteerCertified(
        volunteer_id=uuid4(),
        psks_type="PSKS-03",
        region=region,
        certification_id=uuid4(),
        scheme="TAGANA",
        certificate_no="TGN-1",
        valid_from=date(2026, 1, 1),
    )


def test_wrap_puts_every_cloudevents_attribute_in_headers() -> None:
    out = wrap(certified(), source="/pilar/registry", subject="volunteer/1", region="33.71.01.1003")
    headers = out.envelope.headers()
    assert headers["ce-specversion"] == "1.0"
    assert headers["ce-type"] == "pilar.registry.volunteer.certified.v1"
    assert headers["ce-source"] == "/pilar/registry"
    assert headers["ce-subject"] == "volunteer/1"
    assert headers["ce-region"] == "33.71.01.1003"
    assert headers["ce-dataschema"] == "urn:pilar:schema:pilar.registry.volunteer.certified.v1"
    assert headers["Content-Type"] == "application/json"
    assert headers["Nats-Msg-Id"] == headers["ce-id"] == str(out.envelope.id)
    assert headers["ce-time"].endswith("Z")
    assert out.nats_subject == "pilar.registry.volunteer.certified.v1.33.71"


def test_event_ids_are_time_ordered_uuid7() -> None:
    first = wrap(certified(), source="/s", subject="x/1", region="33").envelope.id
    second = wrap(certified(), source="/s", subject="x/1", region="33").envelope.id
    assert first.version == 7
    assert first.bytes[:6] <= second.bytes[:6]


def test_envelope_round_trips_through_headers() -> None:
    out = wrap(certified(), source="/pilar/registry", subject="volunteer/1", region="33.71")
    headers = out.envelope.headers() | {"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01"}
    back = Envelope.from_headers(headers)
    assert back.id == out.envelope.id
    assert back.time == out.envelope.time
    assert back.traceparent == headers["traceparent"]
    body = VolunteerCertified.model_validate_json(out.body)
    assert body.certificate_no == "TGN-1"


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ({"ce-id": None}, "missing header ce-id"),
        ({"ce-specversion": "0.3"}, "unsupported ce-specversion"),
        ({"ce-id": "not-a-uuid"}, "invalid envelope"),
        ({"ce-time": "yesterday"}, "invalid envelope"),
        ({"ce-region": "3371"}, "invalid envelope"),
    ],
)
def test_broken_envelopes_are_refused_with_a_reason(
    broken: dict[str, str | None], reason: str
) -> None:
    headers: dict[str, str] = wrap(
        certified(), source="/s", subject="x", region="33"
    ).envelope.headers()
    for key, value in broken.items():
        if value is None:
            headers.pop(key)
        else:
            headers[key] = value
    with pytest.raises(EnvelopeError, match=reason):
        Envelope.from_headers(headers)


@pytest.mark.parametrize(
    ("region", "tokens"),
    [
        ("", ("00", "00")),
        ("00", ("00", "00")),
        ("33", ("33", "00")),
        ("33.71", ("33", "71")),
        ("33.71.01", ("33", "71")),
        ("33.71.01.1003", ("33", "71")),
    ],
)
def test_subjects_carry_province_and_regency(region: str, tokens: tuple[str, str]) -> None:
    assert region_tokens(region) == tokens
    assert event_subject("pilar.cases.case.referred.v1", region).endswith(".".join(tokens))


@pytest.mark.parametrize("bad", ["3", "33.7", "33.71.1", "33-71", "aa", "33.71.01.20011"])
def test_malformed_region_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="region code"):
        region_tokens(bad)


def test_private_events_travel_on_private_subjects_only() -> None:
    contact = ContactChanged(person_id=uuid4(), person_kind="volunteer", display_name="Sari")
    out = wrap(contact, source="/pilar/registry", subject="person/1", region="33.71")
    assert out.nats_subject == "pilar.private.registry.contact.changed.v1.33.71"
    private = [e for e in ALL_EVENTS if e.kind.private]
    assert private == [ContactChanged]


def test_patterns_for_subscribers() -> None:
    assert type_pattern("pilar.cases.case.referred.v1") == "pilar.cases.case.referred.v1.>"
    assert province_pattern("33") == "pilar.*.*.*.*.33.>"
    assert dead_letter_subject("analytics-cases") == "pilar.dlq.analytics-cases"
    with pytest.raises(ValueError, match="province"):
        province_pattern("3")
    with pytest.raises(ValueError, match="consumer"):
        dead_letter_subject("a.b")


def test_catalogue_covers_every_event_once_with_a_docstring() -> None:
    assert len(CATALOGUE) == len(ALL_EVENTS) == 35
    for type_name, event in CATALOGUE.items():
        assert type_name.startswith("pilar.")
        assert type_name.endswith(".v1")
        assert event.__doc__
        assert "\n" not in event.__doc__.strip()
        assert event.model_config.get("frozen") is True
    assert event_class("pilar.cases.case.opened.v1").__name__ == "CaseOpened"
    with pytest.raises(KeyError, match="unknown event type"):
        event_class("pilar.cases.case.opened.v2")


def test_events_are_frozen_and_tolerate_unknown_fields() -> None:
    event = certified()
    with pytest.raises(ValueError, match="frozen"):
        event.scheme = "PSM"  # type: ignore[misc]
    newer = event.model_dump(mode="json") | {"added_in_a_minor_version": 1}
    assert VolunteerCertified.model_validate(newer) == event


def test_events_refuse_personal_looking_or_malformed_codes() -> None:
    with pytest.raises(ValueError, match="PSKS"):
        VolunteerCertified.model_validate(certified().model_dump() | {"psks_type": "PSKS-13"})
    with pytest.raises(ValueError, match="region"):
        VolunteerCertified.model_validate(certified().model_dump() | {"region": "Magelang"})


@pytest.mark.parametrize(
    ("region", "private", "province"),
    [("33.71.01.1003", False, "33"), ("52", False, "52"), ("", False, "00"), ("31.74", True, "31")],
)
def test_the_province_of_a_subject_is_read_back_from_it(
    region: str, private: bool, province: str
) -> None:
    subject = event_subject("pilar.registry.volunteer.certified.v1", region, private=private)
    assert subject_province(subject) == province
