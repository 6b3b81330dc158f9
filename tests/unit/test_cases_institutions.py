"""Institutions as pillars: which categories they serve, when they are eligible, how they rank."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from pilar_cases.domain import (
    ClientKind,
    Intake,
    MatchRequest,
    Pillar,
    ReferralPolicy,
    open_case,
    rank,
    send,
    suitability,
)
from pilar_cases.domain.matching import ineligibility
from pilar_cases.domain.suitability import SUITABLE_PSKS
from pilar_contracts.events.fields import RecipientKind, Urgency, VolunteerStatus
from pilar_contracts.reference.catalogue import psks_type

TODAY = date(2026, 11, 22)
VILLAGE = "33.71.01.1003"
ELDERLY = MatchRequest(VILLAGE, ("PSKS-02", "PSKS-01"), institution_types=("PSKS-04",))


def person(region: str, psks: str = "PSKS-02") -> Pillar:
    return Pillar(uuid4(), psks, region, VolunteerStatus.ACTIVE, (date(2027, 1, 1),), 0, 5)


def lks(region: str, accredited_until: date | None = date(2029, 1, 1)) -> Pillar:
    until = (accredited_until,) if accredited_until else ()
    return Pillar(
        uuid4(), "PSKS-04", region, VolunteerStatus.ACTIVE, until, 0, 5, RecipientKind.INSTITUTION
    )


def test_institution_types_are_institutions_and_people_types_are_people() -> None:
    served = set()
    for fit in SUITABLE_PSKS.values():
        assert all(psks_type(t).subject == "person" for t in fit.psks_types)
        assert all(psks_type(t).subject == "institution" for t in fit.institution_types)
        served |= set(fit.institution_types)
    assert served == {"PSKS-04", "PSKS-06"}  # LKS (accredited) and LK3 (verified)
    assert suitability("PMKS-25").institution_types == ("PSKS-06",)  # family counselling
    assert suitability("PMKS-08").institution_types == ("PSKS-04",)
    assert suitability("PMKS-02").institution_types == ("PSKS-04",)
    assert suitability("PMKS-21").institution_types == ()  # disaster victims: Tagana, people


def test_an_institution_is_eligible_only_with_a_live_accreditation() -> None:
    assert ineligibility(lks(VILLAGE), today=TODAY) is None
    assert ineligibility(lks(VILLAGE, None), today=TODAY) == "not_accredited"
    expired = lks(VILLAGE, date(2026, 1, 1))
    assert ineligibility(expired, today=TODAY) == "certification_expired"


def test_people_come_first_at_equal_distance_but_a_nearer_institution_wins() -> None:
    village_psm, village_lks = person(VILLAGE), lks(VILLAGE)
    district_psm = person("33.71.01.1007")
    assert rank(ELDERLY, [district_psm, village_lks, village_psm], today=TODAY) == [
        village_psm,
        village_lks,
        district_psm,
    ]


def test_institutions_are_not_chosen_for_a_category_they_do_not_serve() -> None:
    people_only = MatchRequest(VILLAGE, ("PSKS-03", "PSKS-02"))
    assert rank(people_only, [lks(VILLAGE)], today=TODAY) == []
    unaccredited = lks(VILLAGE, None)
    assert rank(ELDERLY, [unaccredited], today=TODAY) == []


def test_a_referral_to_an_institution_says_so_in_its_event() -> None:
    now = datetime(2026, 11, 22, 8, tzinfo=UTC)
    intake = Intake(ClientKind.PERSON, "PMKS-08", VILLAGE, Urgency.ROUTINE, consent_given=True)
    case = open_case(intake, case_id=uuid4(), client_ref="ab" * 32, by="op", now=now)[0]
    home = lks(VILLAGE)
    referral, event = send(
        case,
        home,
        referral_id=uuid4(),
        attempt=1,
        service="pendampingan_lansia",
        now=now,
        policy=ReferralPolicy(),
    )
    assert (referral.to_id, referral.to_kind) == (home.volunteer_id, RecipientKind.INSTITUTION)
    assert (event.to_id, event.to_kind) == (home.volunteer_id, RecipientKind.INSTITUTION)
