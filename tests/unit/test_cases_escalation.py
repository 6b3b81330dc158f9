"""Escalation: a declined or expired referral goes to the next candidate, on a test clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from pilar_cases.domain import (
    Case,
    ClientKind,
    Intake,
    MatchRequest,
    Pillar,
    Referral,
    ReferralPolicy,
    best_pillar,
    decline,
    expire,
    is_overdue,
    next_attempt,
    open_case,
    send,
    tried,
)
from pilar_cases.domain.referrals import ensure_none_open
from pilar_contracts.events.fields import Urgency, VolunteerStatus

POLICY = ReferralPolicy(accept_within=timedelta(hours=24), max_attempts=3)
REGION = "33.71.01.1003"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 8, tzinfo=UTC)

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def _pillar(n: int, region: str) -> Pillar:
    return Pillar(UUID(int=n), "PSKS-02", region, VolunteerStatus.ACTIVE, (None,), 0, 5)


PILLARS = [_pillar(1, REGION), _pillar(2, "33.71.01.1001"), _pillar(3, "33.71.02.1001")]


def _case(clock: Clock) -> Case:
    intake = Intake(ClientKind.PERSON, "PMKS-08", REGION, Urgency.ROUTINE, consent_given=True)
    return open_case(intake, case_id=uuid4(), client_ref="cd" * 32, by="op", now=clock.now)[0]


def _broker(case: Case, history: list[Referral], clock: Clock) -> Referral | None:
    """What the use case does: next attempt, excluding every pillar already asked."""
    attempt = next_attempt(history, POLICY)
    request = MatchRequest(case.region, ("PSKS-02",), tried(history))
    pillar = best_pillar(request, PILLARS, today=clock.now.date())
    if attempt is None or pillar is None:
        return None
    referral, event = send(
        case,
        pillar,
        referral_id=uuid4(),
        attempt=attempt,
        service="s",
        now=clock.now,
        policy=POLICY,
    )
    assert event.attempt == attempt
    return referral


def test_a_decline_goes_to_the_next_nearest_with_attempt_plus_one() -> None:
    clock = Clock()
    case = _case(clock)
    first = _broker(case, [], clock)
    assert first is not None
    assert first.to_id == UUID(int=1)
    declined, _ = decline(first, by=first.to_id, reason_code="penuh", now=clock.advance(hours=1))
    second = _broker(case, [declined], clock)
    assert second is not None
    assert (second.to_id, second.attempt) == (UUID(int=2), 2)
    assert second.accept_by == clock.now + timedelta(hours=24)


def test_an_unanswered_referral_expires_only_after_its_deadline_then_escalates() -> None:
    clock = Clock()
    case = _case(clock)
    first = _broker(case, [], clock)
    assert first is not None
    clock.advance(hours=23, minutes=59)
    assert not is_overdue(first, clock.now)
    clock.advance(minutes=2)
    assert is_overdue(first, clock.now)
    expired, event = expire(first, now=clock.now)
    assert event.to_id == UUID(int=1)
    second = _broker(case, [expired], clock)
    assert second is not None
    assert second.to_id == UUID(int=2)


def test_escalation_stops_when_attempts_or_candidates_run_out() -> None:
    clock = Clock()
    case = _case(clock)
    history: list[Referral] = []
    while (referral := _broker(case, history, clock)) is not None:
        ensure_none_open(history)
        clock.advance(hours=25)
        history.append(expire(referral, now=clock.now)[0])
    assert [r.attempt for r in history] == [1, 2, 3]
    assert [r.to_id.int for r in history] == [1, 2, 3]
    assert next_attempt(history, POLICY) is None
