"""The per-gateway token bucket on a controllable clock: burst, steady rate, pauses, order."""

from __future__ import annotations

import math

import pytest

from pilar_notifications.ratelimit import Limits, TokenBucket
from pilar_notifications.settings import RateLimit


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_goes_at_once_then_one_token_per_interval() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=3, clock=clock)
    times = [bucket.reserve() for _ in range(6)]
    assert times == pytest.approx([100.0, 100.0, 100.0, 100.1, 100.2, 100.3])


def test_an_idle_bucket_fills_up_to_its_burst_only() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=2, clock=clock)
    bucket.reserve()
    clock.now += 60  # a minute idle earns two tokens, not six hundred
    assert [bucket.reserve() for _ in range(4)] == pytest.approx([160.0, 160.0, 160.1, 160.2])


def test_reservations_are_granted_in_the_order_asked() -> None:
    bucket = TokenBucket(rate=5, burst=1, clock=Clock())
    times = [bucket.reserve() for _ in range(20)]
    assert times == sorted(times)
    assert len(set(times)) == 20


def test_a_pause_holds_every_send_back_then_resumes_at_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=10, burst=5, clock=clock)
    bucket.reserve()
    bucket.pause(2.0)  # the gateway said Retry-After: 2
    assert [bucket.reserve() for _ in range(3)] == pytest.approx([102.0, 102.1, 102.2])


def test_a_shorter_pause_never_shortens_a_longer_one() -> None:
    clock = Clock()
    bucket = TokenBucket(rate=math.inf, clock=clock)
    bucket.pause(5.0)
    bucket.pause(1.0)
    assert bucket.reserve() == pytest.approx(105.0)


def test_a_gateway_without_a_limit_waits_only_for_its_pauses() -> None:
    clock = Clock()
    limits = Limits({"sms": RateLimit(per_second=2)}, clock=clock)
    whatsapp = limits.bucket("whatsapp")
    assert [whatsapp.reserve() for _ in range(100)] == [100.0] * 100
    limits.pause("whatsapp", 3.0)
    assert whatsapp.reserve() == pytest.approx(103.0)
    assert [limits.bucket("sms").reserve() for _ in range(3)] == pytest.approx([100, 100.5, 101])


def test_a_bucket_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(rate=0)
