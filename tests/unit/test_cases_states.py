"""Cases domain: the case-management stages, consent and the referral state machine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from pilar_cases.domain import (
    CaseRuleBroken,
    CaseStatus,
    ClientKind,
    Intake,
    Pillar,
    ReferralPolicy,
    ReferralStatus,
    Stage,
    accept,
    close_case,
    complete,
    decline,
    ensure_referable,
    expire,
    kind_fits,
    move_stage,
    open_case,
    record_consent,
    send,
    withdraw,
)
from pilar_cases.domain.personal import erased, erasure_regions
from pilar_contracts.events.fields import Urgency, VolunteerStatus

NOW = datetime(2026, 11, 22, 8, tzinfo=UTC)
INTAKE = Intake(ClientKind.PERSON, "PMKS-08", "33.71.01.1003", Urgency.PRIORITY, consent_given=True)
POLICY = ReferralPolicy(accept_within=timedelta(hours=48))
PILLAR = Pillar(uuid4(), "PSKS-02", "33.71.01.1003", VolunteerStatus.ACTIVE, (None,), 0, 5)


def opened(consent: bool = True):  # type: ignore[no-untyped-def]
    return open_case(
        replace(INTAKE, consent_given=consent),
        case_id=uuid4(),
        client_ref="ab" * 32,
        by="op-1",
        now=NOW,
    )


def test_a_case_opens_at_engagement_and_announces_only_the_client_ref() -> None:
    case, event = opened()
    assert case.stage is Stage.PENDEKATAN_AWAL
    assert case.status is CaseStatus.OPEN
    assert (case.consent.recorded_by, case.consent.recorded_at) == ("op-1", NOW)
    assert event.client_ref == "ab" * 32
    assert event.opened_by == "op-1"


def test_stages_move_forward_one_step_and_monitoring_fits_between() -> None:
    case, _ = opened()
    for stage in (Stage.ASESMEN, Stage.RENCANA, Stage.PEMECAHAN_MASALAH, Stage.MONITORING):
        case = move_stage(case, stage)
    case = move_stage(case, Stage.TERMINASI)
    assert move_stage(case, Stage.BIMBINGAN_LANJUT).stage is Stage.BIMBINGAN_LANJUT


def test_a_stage_cannot_be_skipped_and_the_refusal_names_what_is_allowed() -> None:
    case, _ = opened()
    with pytest.raises(CaseRuleBroken) as refused:
        move_stage(case, Stage.PEMECAHAN_MASALAH)
    assert refused.value.code == "stage_not_allowed"
    assert refused.value.details["allowed"] == ["asesmen"]


def test_a_closed_case_neither_moves_nor_is_referred() -> None:
    case, _ = opened()
    closed, event = close_case(case, outcome="pindah_domisili", now=NOW)
    assert (event.outcome, event.stage) == ("pindah_domisili", "pendekatan_awal")
    for act in (lambda: move_stage(closed, Stage.ASESMEN), lambda: ensure_referable(closed, None)):
        with pytest.raises(CaseRuleBroken, match="ditutup"):
            act()


def test_no_referral_without_consent_unless_a_reason_overrides_it() -> None:
    case, _ = opened(consent=False)
    with pytest.raises(CaseRuleBroken) as refused:
        ensure_referable(case, "  ")
    assert refused.value.code == "consent_missing"
    assert ensure_referable(case, "anak dalam bahaya, orang tua tidak dapat dihubungi") is True
    given = record_consent(case, given=True, by="op-2", now=NOW)
    assert ensure_referable(given, None) is False


def test_client_kind_must_suit_the_units_of_the_category() -> None:
    assert kind_fits(ClientKind.FAMILY, ("family",))
    assert kind_fits(ClientKind.FAMILY, ("person", "household"))
    assert not kind_fits(ClientKind.COMMUNITY, ("person",))


def test_a_referral_is_sent_with_a_deadline_and_accepted_by_its_addressee_only() -> None:
    case, _ = opened()
    referral, event = send(
        case, PILLAR, referral_id=uuid4(), attempt=1, service="x", now=NOW, policy=POLICY
    )
    assert referral.accept_by == event.accept_by == NOW + timedelta(hours=48)
    with pytest.raises(CaseRuleBroken, match="tidak ditujukan"):
        accept(referral, by=uuid4(), now=NOW)
    accepted, _ = accept(referral, by=PILLAR.volunteer_id, now=NOW + timedelta(hours=1))
    assert accepted.status is ReferralStatus.ACCEPTED
    with pytest.raises(CaseRuleBroken) as again:
        decline(accepted, by=PILLAR.volunteer_id, reason_code="sibuk", now=NOW)
    assert again.value.code == "already_answered"


def test_an_answer_after_the_deadline_is_refused_and_expiry_waits_for_it() -> None:
    case, _ = opened()
    referral, _ = send(
        case, PILLAR, referral_id=uuid4(), attempt=1, service="x", now=NOW, policy=POLICY
    )
    late = NOW + timedelta(hours=48, seconds=1)
    with pytest.raises(CaseRuleBroken) as refused:
        accept(referral, by=PILLAR.volunteer_id, now=late)
    assert refused.value.code == "deadline_passed"
    with pytest.raises(CaseRuleBroken, match="belum"):
        expire(referral, now=NOW + timedelta(hours=47))
    expired, event = expire(referral, now=late)
    assert expired.status is ReferralStatus.EXPIRED
    assert event.to_id == PILLAR.volunteer_id


def test_only_an_accepted_referral_completes_with_a_quality_of_one_to_five() -> None:
    case, _ = opened()
    referral, _ = send(
        case, PILLAR, referral_id=uuid4(), attempt=1, service="x", now=NOW, policy=POLICY
    )
    with pytest.raises(CaseRuleBroken, match="diterima"):
        complete(referral, outcome="terlayani", quality=4)
    accepted, _ = accept(referral, by=PILLAR.volunteer_id, now=NOW)
    with pytest.raises(CaseRuleBroken):
        complete(accepted, outcome="terlayani", quality=6)
    done, event = complete(accepted, outcome="terlayani", quality=4)
    assert (done.status, event.quality) == (ReferralStatus.COMPLETED, 4)


def test_pending_and_accepted_referrals_can_be_withdrawn_once() -> None:
    case, _ = opened()
    pending, _ = send(
        case, PILLAR, referral_id=uuid4(), attempt=1, service="x", now=NOW, policy=POLICY
    )
    accepted, _ = accept(pending, by=PILLAR.volunteer_id, now=NOW)
    for referral in (pending, accepted):
        withdrawn, event = withdraw(referral, reason_code="consent_withdrawn", now=NOW)
        assert (withdrawn.status, withdrawn.reason_code) == (
            ReferralStatus.WITHDRAWN,
            "consent_withdrawn",
        )
        assert (event.referral_id, event.to_id) == (referral.id, PILLAR.volunteer_id)
        with pytest.raises(CaseRuleBroken) as again:
            withdraw(withdrawn, reason_code="consent_withdrawn", now=NOW)
        assert again.value.code == "referral_not_open"
    done, _ = complete(accepted, outcome="terlayani", quality=4)
    with pytest.raises(CaseRuleBroken):
        withdraw(done, reason_code="consent_withdrawn", now=NOW)


@pytest.mark.parametrize(
    ("regions", "announced"),
    [
        (["33.71.01.2001"], ["33.71.01.2001"]),
        (["33.71.01.2001", "33.71.01.2002"], ["33.71.01"]),
        (["33.71.01.2001", "33.71.02.2001", "33.71"], ["33.71"]),
        (["33.71.01.2001", "33.72.01.2001"], ["33"]),
        (["33.71.01.2001", "32.04.01.2001", "33.71.01.2001"], ["32.04.01.2001", "33.71.01.2001"]),
    ],
)
def test_an_erasure_is_announced_once_per_province_at_the_deepest_shared_region(
    regions: list[str], announced: list[str]
) -> None:
    assert erasure_regions(regions) == announced


def test_the_erasure_event_names_the_client_ref_only() -> None:
    event = erased("ab" * 32, NOW)
    assert event.model_dump(mode="json") == {
        "client_ref": "ab" * 32,
        "erased_at": "2026-11-22T08:00:00Z",
    }
