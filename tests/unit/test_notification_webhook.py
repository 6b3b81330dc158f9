"""Webhook signatures as a receiver checks them, Retry-After as gateways send it, the JSON body."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr, ValidationError

from pilar_notifications.gateway import retry_after
from pilar_notifications.settings import WebhookSubscriber
from pilar_notifications.templates import render
from pilar_notifications.webhook import signature, verify

SECRET = b"k" * 32
BODY = b'{"template":"disaster_declared"}'
NOW = 1_800_000_000


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET, b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, NOW, BODY) == f"v1={expected}"


def test_a_receiver_accepts_a_fresh_signed_request() -> None:
    header = signature(SECRET, NOW, BODY)
    assert verify(SECRET, timestamp=str(NOW), body=BODY, signature_header=header, now=NOW + 10)


@pytest.mark.parametrize(
    ("secret", "stamp", "body", "now"),
    [
        (b"another-secret", str(NOW), BODY, NOW),  # someone else's key
        (SECRET, str(NOW), BODY + b" ", NOW),  # a body changed on the way
        (SECRET, str(NOW + 1), BODY, NOW),  # a timestamp changed on the way
        (SECRET, str(NOW), BODY, NOW + 301),  # a replay, minutes later
        (SECRET, "yesterday", BODY, NOW),  # not a timestamp
    ],
)
def test_a_receiver_refuses_what_was_not_signed_now_with_its_key(
    secret: bytes, stamp: str, body: bytes, now: int
) -> None:
    header = signature(SECRET, NOW, BODY)
    assert not verify(secret, timestamp=stamp, body=body, signature_header=header, now=now)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert retry_after("7", now) == 7.0
    assert retry_after("Tue, 01 Dec 2026 08:00:30 GMT", now) == 30.0
    assert retry_after("Tue, 01 Dec 2026 07:00:00 GMT", now) == 0.0
    assert retry_after(None, now) is None
    assert retry_after("soon", now) is None


def test_a_subscriber_needs_a_long_secret_and_valid_regions() -> None:
    fine = {"id": "0c7a1d2e-4f5b-4a6c-9d8e-7f6a5b4c3d2e", "name": "BNPB", "url": "https://x.id/h"}
    with pytest.raises(ValidationError):
        WebhookSubscriber.model_validate(fine | {"secret": SecretStr("short")})
    with pytest.raises(ValidationError):
        WebhookSubscriber.model_validate(fine | {"secret": "s" * 32, "regions": ["Jawa"]})
    assert WebhookSubscriber.model_validate(
        fine | {"secret": "s" * 32, "regions": ["00"]}
    ).regions == [""]


def test_the_webhook_body_carries_the_short_text_and_codes_but_no_name() -> None:
    params = {
        "task": "evacuation",
        "report_to_region": "33.71",
        "display_name": "Sistem BNPB",
        "notification_id": "n-1",
        "cause_event_id": "e-1",
        "cause_type": "pilar.registry.volunteer.deployed.v1",
        "cause_region": "33.71",
    }
    body = json.loads(render("volunteer_deployed", "webhook", params).body)
    assert body["notification_id"] == "n-1"
    assert body["cause_type"] == "pilar.registry.volunteer.deployed.v1"
    assert body["data"] == {"task": "evacuation", "report_to_region": "33.71"}
    assert body["text"] == render("volunteer_deployed", "sms", params).body
    assert "Sistem BNPB" not in json.dumps(body)
