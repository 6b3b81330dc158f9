"""Cases API, a case's life: stages, assessment, consent withdrawal and closing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.cases_harness import (
    AUDITOR,
    MAGELANG,
    SEMARANG,
    VILLAGE,
    Service,
    cases,
    certified_pillar,
    open_case,
    psks,
    staged,
)

pytestmark = pytest.mark.integration
__all__ = ["cases"]
OVERRIDE = {"override_reason": "lansia sakit parah tanpa pendamping, perlu segera"}
ASSESSMENT = {"needs": ["pendampingan_lansia", "bansos"], "risk_level": "tinggi"}


async def _post(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], headers: dict[str, str] = MAGELANG
) -> httpx.Response:
    return await http.post(url, json=body, headers=headers)


async def test_stages_move_forward_and_an_illegal_move_is_a_409_in_bahasa(cases: Service) -> None:
    http, runtime = cases
    case = await open_case(http)
    url = f"/cases/{case['id']}/stage"
    moved = await _post(http, url, {"stage": "asesmen"})
    assert (moved.status_code, moved.json()["stage"]) == (200, "asesmen")
    skipped = await _post(http, url, {"stage": "terminasi"})
    assert skipped.status_code == 409
    refusal = skipped.json()
    assert refusal["code"] == "stage_not_allowed"
    assert refusal["detail"] == "Tahap asesmen tidak dapat berlanjut ke terminasi"
    assert refusal["allowed"] == ["rencana"]
    unknown = await _post(http, url, {"stage": "selesai"})
    assert unknown.status_code == 422
    assert (await _post(http, url, {"stage": "rencana"}, SEMARANG)).status_code == 403
    read = await http.get(f"/cases/{case['id']}", headers=MAGELANG)
    assert read.json()["stage"] == "asesmen"
    assert [s.split(".v1.")[0] for s, _, _ in await staged(runtime)] == ["pilar.cases.case.opened"]


async def test_an_assessment_is_recorded_and_announced_as_case_assessed(cases: Service) -> None:
    http, runtime = cases
    case = await open_case(http)
    response = await _post(http, f"/cases/{case['id']}/assessment", ASSESSMENT)
    assert response.status_code == 200, response.text
    assessed = response.json()
    assert assessed["stage"] == "asesmen"
    assert assessed["assessment"]["needs"] == ["pendampingan_lansia", "bansos"]
    assert assessed["assessment"]["risk_level"] == "tinggi"
    assert assessed["assessment"]["assessed_by"] == "operator-magelang"
    read = (await http.get(f"/cases/{case['id']}", headers=MAGELANG)).json()
    assert read["assessment"] == assessed["assessment"]
    subject, headers, body = (await staged(runtime))[-1]
    assert subject == "pilar.cases.case.assessed.v1.33.71"
    assert headers["ce-subject"] == f"case/{case['id']}"
    assert body == {
        "case_id": case["id"],
        "needs": ["pendampingan_lansia", "bansos"],
        "risk_level": "tinggi",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"needs": [], "risk_level": "tinggi"},
        {"needs": ["bansos"], "risk_level": "gawat"},
        {"needs": ["bukan kode"], "risk_level": "rendah"},
    ],
)
async def test_a_malformed_assessment_is_422_and_announces_nothing(
    cases: Service, body: dict[str, Any]
) -> None:
    http, runtime = cases
    case = await open_case(http)
    response = await _post(http, f"/cases/{case['id']}/assessment", body)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert len(await staged(runtime)) == 1


async def test_after_consent_is_withdrawn_only_an_audited_override_refers(cases: Service) -> None:
    http, runtime = cases
    await certified_pillar(runtime, VILLAGE)
    case = await open_case(http)
    withdrawn = await _post(http, f"/cases/{case['id']}/consent", {"status": "withdrawn"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["consent"]["status"] == "refused"
    refused = await _post(http, f"/cases/{case['id']}/referrals", {})
    assert (refused.status_code, refused.json()["code"]) == (422, "consent_missing")
    assert "persetujuan" in refused.json()["detail"]
    referred = await _post(http, f"/cases/{case['id']}/referrals", OVERRIDE)
    assert referred.status_code == 201, referred.text
    [row] = (await http.get("/audit", headers=AUDITOR)).json()
    assert (row["action"], row["reason"]) == ("consent_override", OVERRIDE["override_reason"])


async def test_a_withdrawal_calls_back_the_running_referral(cases: Service) -> None:
    http, runtime = cases
    first, _ = await certified_pillar(runtime, VILLAGE)
    second, _ = await certified_pillar(runtime, "33.71.02.1001")
    case = await open_case(http)
    referral = (await _post(http, f"/cases/{case['id']}/referrals", {})).json()
    assert referral["to_id"] == str(first)
    await _post(http, f"/cases/{case['id']}/consent", {"status": "withdrawn"})
    [(subject, _, body)] = [s for s in await staged(runtime) if ".referral.withdrawn." in s[0]]
    assert subject == "pilar.cases.referral.withdrawn.v1.33.71"
    assert body == {
        "referral_id": referral["id"],
        "case_id": case["id"],
        "to_id": str(first),
        "reason_code": "consent_withdrawn",
    }
    late = await _post(
        http, f"/referrals/{referral['id']}/decline", {"reason_code": "penuh"}, psks(first)
    )
    assert (late.status_code, late.json()["code"]) == (409, "already_answered")
    mine = (await http.get("/referrals", headers=psks(first))).json()
    assert [r["status"] for r in mine] == ["withdrawn"]
    given = await _post(http, f"/cases/{case['id']}/consent", {"status": "given"})
    assert given.json()["consent"]["status"] == "given"
    again = (await _post(http, f"/cases/{case['id']}/referrals", {})).json()
    assert (again["attempt"], again["to_id"]) == (2, str(second))


async def test_closing_announces_the_outcome_and_a_closed_case_refuses_changes(
    cases: Service,
) -> None:
    http, runtime = cases
    case = await open_case(http)
    await _post(http, f"/cases/{case['id']}/stage", {"stage": "asesmen"})
    closed = await _post(http, f"/cases/{case['id']}/close", {"outcome": "pindah_domisili"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["outcome"]) == ("closed", "pindah_domisili")
    subject, _, body = (await staged(runtime))[-1]
    assert subject == "pilar.cases.case.closed.v1.33.71"
    assert body == {"case_id": case["id"], "outcome": "pindah_domisili", "stage": "asesmen"}
    for url, change in (
        ("close", {"outcome": "terlayani"}),
        ("stage", {"stage": "rencana"}),
        ("assessment", ASSESSMENT),
        ("consent", {"status": "given"}),
    ):
        refused = await _post(http, f"/cases/{case['id']}/{url}", change)
        assert (refused.status_code, refused.json()["code"]) == (409, "case_closed"), url
        assert refused.json()["detail"] == "Kasus sudah ditutup"


async def test_a_case_with_a_running_referral_cannot_be_closed(cases: Service) -> None:
    http, runtime = cases
    await certified_pillar(runtime, VILLAGE)
    case = await open_case(http)
    await _post(http, f"/cases/{case['id']}/referrals", {})
    refused = await _post(http, f"/cases/{case['id']}/close", {"outcome": "terlayani"})
    assert (refused.status_code, refused.json()["code"]) == (409, "referral_open")


async def test_lifecycle_routes_are_for_operators_of_the_case_region(cases: Service) -> None:
    http, runtime = cases
    volunteer, _ = await certified_pillar(runtime, VILLAGE)
    case = await open_case(http)
    for url, change in (
        ("close", {"outcome": "terlayani"}),
        ("assessment", ASSESSMENT),
        ("consent", {"status": "withdrawn"}),
    ):
        assert (
            await _post(http, f"/cases/{case['id']}/{url}", change, SEMARANG)
        ).status_code == 403
        assert (
            await _post(http, f"/cases/{case['id']}/{url}", change, psks(volunteer))
        ).status_code == 403
    missing = await _post(http, f"/cases/{case['id'][:-4]}0000/close", {"outcome": "terlayani"})
    assert missing.status_code == 404
