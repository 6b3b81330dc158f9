"""Retry with backoff and jitter, then fall back WhatsApp -> SMS -> e-mail; a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

import pytest

from pilar_notifications.policy import (
    Fallback,
    GiveUp,
    Retry,
    RetryPolicy,
    after_failure,
    channel_plan,
    next_channel,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=3, base_seconds=2.0, cap_seconds=60.0)
ALL = ("whatsapp", "sms", "email")


def test_the_plan_follows_preference_then_the_fallback_order() -> None:
    assert channel_plan([], ALL) == ("whatsapp", "sms", "email")
    assert channel_plan(["email"], ALL) == ("email", "whatsapp", "sms")
    assert channel_plan(["sms", "whatsapp"], ["sms", "email"]) == ("sms", "email")
    assert channel_plan(["whatsapp"], []) == ()


def test_the_next_channel_skips_those_tried() -> None:
    assert next_channel(ALL, []) == "whatsapp"
    assert next_channel(ALL, ["whatsapp"]) == "sms"
    assert next_channel(ALL, ALL) is None


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 10, 30])
def test_backoff_grows_exponentially_with_jitter_under_a_cap(attempt: int) -> None:
    ceiling = min(60.0, 2.0 * 2 ** (attempt - 1))
    delays = {POLICY.backoff(attempt, Random(seed)) for seed in range(20)}
    assert all(timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays)
    assert len(delays) > 1  # jitter: recipients failing together do not retry together


def test_the_same_random_source_gives_the_same_delay() -> None:
    assert POLICY.backoff(3, Random(7)) == POLICY.backoff(3, Random(7))


def decide(tried: list[str], attempts: int, *, permanent: bool = False) -> object:
    return after_failure(
        policy=POLICY,
        plan=ALL,
        tried=tried,
        attempts_on_channel=attempts,
        permanent=permanent,
        now=NOW,
        rng=Random(1),
    )


def test_a_transient_failure_is_retried_later_on_the_same_channel() -> None:
    decision = decide(["whatsapp"], 1)
    assert isinstance(decision, Retry)
    assert NOW + timedelta(seconds=1) <= decision.at <= NOW + timedelta(seconds=2)


def test_exhausted_attempts_fall_back_to_the_next_channel() -> None:
    assert decide(["whatsapp"], 3) == Fallback("sms")
    assert decide(["whatsapp", "sms"], 3) == Fallback("email")


def test_a_permanent_failure_falls_back_at_once() -> None:
    assert decide(["whatsapp"], 1, permanent=True) == Fallback("sms")


def test_with_no_channel_left_it_gives_up() -> None:
    assert decide(["whatsapp", "sms", "email"], 3) == GiveUp()
    assert decide(["whatsapp", "sms", "email"], 1, permanent=True) == GiveUp()
