"""Cases API: referrals to accredited institutions (LKS, LK3) from the replicated registry."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import httpx
import pytest

from pilar_contracts import Event
from pilar_contracts.events.fields import VolunteerStatus
from pilar_contracts.events.registry import (
    InstitutionAccredited,
    InstitutionRegistered,
    InstitutionStatusChanged,
    InstitutionVerified,
)
from pilar_kit.runtime import Runtime
from tests.api.cases_harness import (
    MAGELANG,
    VILLAGE,
    Service,
    cases,
    certified_pillar,
    deliver,
    open_case,
    psks,
    staged,
)
from tests.api.harness import make_nik

pytestmark = pytest.mark.integration
__all__ = ["cases"]
LKS, LK3 = "PSKS-04", "PSKS-06"
OTHER_NIK = make_nik("33.71.01", 8)
CHILD_NIK = make_nik("33.71.01", 9)


async def institution(
    runtime: Runtime,
    region: str,
    psks_type: str = LKS,
    accredited_until: date | None = date(2030, 1, 1),
    accreditation_first: bool = False,
    verified: bool = False,
) -> UUID:
    """Replicate a registered (optionally verified, accredited) institution; return its id."""
    institution_id = uuid4()
    events: list[Event] = [
        InstitutionRegistered(institution_id=institution_id, psks_type=psks_type, region=region)
    ]
    if verified:
        events.append(InstitutionVerified(institution_id=institution_id, verified_by="checker"))
    if accredited_until:
        grade = InstitutionAccredited(
            institution_id=institution_id, grade="A", valid_until=accredited_until
        )
        events = [grade, *events] if accreditation_first else [*events, grade]
    for event in events:
        await deliver(runtime, event, f"institution/{institution_id}", region)
    return institution_id


async def _refer(http: httpx.AsyncClient, case_id: str) -> httpx.Response:
    return await http.post(f"/cases/{case_id}/referrals", json={}, headers=MAGELANG)


async def test_an_elderly_client_goes_to_the_accredited_lks_when_no_person_is_near(
    cases: Service,
) -> None:
    http, runtime = cases
    await institution(runtime, VILLAGE, accredited_until=None)  # registered, never accredited
    await institution(runtime, VILLAGE, accredited_until=date(2025, 6, 30))  # lapsed
    home = await institution(runtime, "33.71.01.1007")
    case = await open_case(http)  # PMKS-08, lanjut usia terlantar
    response = await _refer(http, case["id"])
    assert response.status_code == 201, response.text
    referral = response.json()
    assert (referral["to_id"], referral["to_kind"], referral["psks_type"]) == (
        str(home),
        "institution",
        LKS,
    )
    [(_, _, body)] = [s for s in await staged(runtime) if ".case.referred." in s[0]]
    assert (body["to_kind"], body["to_id"]) == ("institution", str(home))
    mine = (await http.get("/referrals", headers=psks(home))).json()
    assert [r["id"] for r in mine] == [referral["id"]]
    accepted = await http.post(f"/referrals/{referral['id']}/accept", headers=psks(home))
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    read = (await http.get(f"/cases/{case['id']}", headers=MAGELANG)).json()
    assert [r["to_kind"] for r in read["referrals"]] == ["institution"]
    metrics = (await http.get("/metrics")).text
    assert 'pilar_cases_referrals_sent_total{to_kind="institution"} 1.0' in metrics


async def test_a_person_in_the_village_comes_before_an_lks_there_and_a_decline_escalates(
    cases: Service,
) -> None:
    http, runtime = cases
    home = await institution(runtime, VILLAGE, accreditation_first=True)  # out of order
    psm, _ = await certified_pillar(runtime, VILLAGE)
    case = await open_case(http)
    first = (await _refer(http, case["id"])).json()
    assert (first["to_id"], first["to_kind"]) == (str(psm), "volunteer")
    declined = await http.post(
        f"/referrals/{first['id']}/decline", json={"reason_code": "penuh"}, headers=psks(psm)
    )
    assert declined.status_code == 200, declined.text
    following = declined.json()["next"]
    assert (following["to_id"], following["to_kind"], following["attempt"]) == (
        str(home),
        "institution",
        2,
    )


async def test_only_an_accredited_lks_of_a_category_that_it_serves_is_chosen(
    cases: Service,
) -> None:
    http, runtime = cases
    await institution(runtime, VILLAGE)  # an accredited LKS
    await institution(runtime, VILLAGE, psks_type=LK3, accredited_until=None)  # not verified
    family = await open_case(
        http, pmks_category="PMKS-25", client_kind="family"
    )  # keluarga bermasalah: an LK3 only once verified
    victim = await open_case(http, pmks_category="PMKS-21", nik=OTHER_NIK)  # korban bencana alam
    for case in (family, victim):
        refused = await _refer(http, case["id"])
        assert (refused.status_code, refused.json()["code"]) == (422, "no_candidate")
    child = await open_case(http, pmks_category="PMKS-02", nik=CHILD_NIK)  # anak terlantar
    chosen = await _refer(http, child["id"])
    assert (chosen.status_code, chosen.json()["to_kind"]) == (201, "institution")


async def test_a_verified_lk3_takes_a_family_until_it_is_suspended(cases: Service) -> None:
    http, runtime = cases
    lk3 = await institution(runtime, VILLAGE, psks_type=LK3, accredited_until=None, verified=True)
    family = await open_case(http, pmks_category="PMKS-25", client_kind="family")
    chosen = await _refer(http, family["id"])
    assert chosen.status_code == 201, chosen.text
    assert (chosen.json()["to_id"], chosen.json()["to_kind"]) == (str(lk3), "institution")
    suspended = InstitutionStatusChanged(institution_id=lk3, status=VolunteerStatus.SUSPENDED)
    await deliver(runtime, suspended, f"institution/{lk3}", VILLAGE)
    other = await open_case(http, pmks_category="PMKS-25", client_kind="family", nik=OTHER_NIK)
    refused = await _refer(http, other["id"])
    assert (refused.status_code, refused.json()["code"]) == (422, "no_candidate")
