"""The broker's matching: nearest, then competence, type preference and load; only the eligible."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

from pilar_cases.domain import MatchRequest, Pillar, best_pillar, rank, search_scopes, suitability
from pilar_cases.domain.matching import ineligibility, proximity
from pilar_cases.domain.suitability import SUITABLE_PSKS
from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.reference.catalogue import pmks_codes, psks_type

TODAY = date(2026, 11, 22)
CASE_REGION = "33.71.01.1003"
REQUEST = MatchRequest(CASE_REGION, ("PSKS-01", "PSKS-02"))


def pillar(region: str, psks: str = "PSKS-02", **changes: object) -> Pillar:
    base = Pillar(uuid4(), psks, region, VolunteerStatus.ACTIVE, (date(2027, 1, 1),), 0, 5)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_proximity_ranks_village_district_regency_province_and_nothing_beyond() -> None:
    assert proximity(CASE_REGION, "33.71.01.1003") == 0
    assert proximity(CASE_REGION, "33.71.01.1001") == 1
    assert proximity(CASE_REGION, "33.71.02.1001") == 2
    assert proximity(CASE_REGION, "33.72.01.2001") == 3
    assert proximity(CASE_REGION, "34.71.01.1003") is None
    assert proximity("33.71", "33.71.01.1003") == 2


def test_the_nearest_pillar_wins_over_a_preferred_type_farther_away() -> None:
    province = pillar("33.72.01.2001", "PSKS-01")
    district = pillar("33.71.01.1001", "PSKS-02")
    village = pillar("33.71.01.1003", "PSKS-02")
    assert rank(REQUEST, [province, district, village], today=TODAY) == [
        village,
        district,
        province,
    ]


def test_among_equally_near_the_preferred_type_then_the_lighter_load_wins() -> None:
    busy_peksos = pillar(CASE_REGION, "PSKS-01", open_referrals=3)
    idle_peksos = pillar(CASE_REGION, "PSKS-01")
    psm = pillar(CASE_REGION, "PSKS-02")
    assert rank(REQUEST, [psm, busy_peksos, idle_peksos], today=TODAY) == [
        idle_peksos,
        busy_peksos,
        psm,
    ]


def test_among_equally_near_one_competent_for_the_service_comes_before_type_and_load() -> None:
    request = replace(REQUEST, service="pendampingan_lansia")
    peksos = pillar(CASE_REGION, "PSKS-01")
    trained_psm = pillar(
        CASE_REGION,
        "PSKS-02",
        open_referrals=2,
        competencies=frozenset({"pendampingan_lansia", "dapur_umum"}),
    )
    trained_far = pillar(
        "33.71.02.1001", "PSKS-01", competencies=frozenset({"pendampingan_lansia"})
    )
    assert rank(request, [trained_far, peksos, trained_psm], today=TODAY) == [
        trained_psm,
        peksos,
        trained_far,  # nearness still comes first: DOMAIN.md 6.1
    ]
    assert rank(REQUEST, [trained_psm, peksos], today=TODAY) == [peksos, trained_psm]


def test_ineligible_pillars_drop_out_with_a_reason() -> None:
    cases = {
        "not_active": pillar(CASE_REGION, status=VolunteerStatus.SUSPENDED),
        "not_certified": pillar(CASE_REGION, certified_until=()),
        "certification_expired": pillar(CASE_REGION, certified_until=(date(2026, 11, 21),)),
        "no_capacity": pillar(CASE_REGION, open_referrals=5),
    }
    for reason, candidate in cases.items():
        assert ineligibility(candidate, today=TODAY) == reason
    assert best_pillar(REQUEST, cases.values(), today=TODAY) is None


def test_one_live_certification_without_end_is_enough() -> None:
    assert (
        ineligibility(pillar(CASE_REGION, certified_until=(date(2020, 1, 1), None)), today=TODAY)
        is None
    )
    assert ineligibility(pillar(CASE_REGION, certified_until=(TODAY,)), today=TODAY) is None


def test_wrong_types_and_pillars_already_tried_are_never_chosen() -> None:
    tagana = pillar(CASE_REGION, "PSKS-03")
    tried = pillar(CASE_REGION)
    other = pillar("33.71.02.1001")
    request = replace(REQUEST, exclude=frozenset({tried.volunteer_id}))
    assert best_pillar(request, [tagana, tried, other], today=TODAY) == other


def test_search_widens_from_village_to_province() -> None:
    assert search_scopes(CASE_REGION) == ["33.71.01.1003", "33.71.01", "33.71", "33"]


def test_every_pmks_category_has_suitable_psks_people() -> None:
    assert set(SUITABLE_PSKS) == pmks_codes()
    for code in pmks_codes():
        fit = suitability(code)
        assert fit.psks_types
        assert all(psks_type(t).subject == "person" for t in fit.psks_types)


def test_ties_are_broken_deterministically() -> None:
    a = replace(pillar(CASE_REGION), volunteer_id=UUID(int=1))
    b = replace(pillar(CASE_REGION), volunteer_id=UUID(int=2))
    assert rank(REQUEST, [b, a], today=TODAY) == [a, b]
