"""Cases API, the referral broker: consent, nearest pillar, answers, escalation, expiry, privacy."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from pilar_cases.app import create_app
from pilar_cases.jobs import ReferralExpiry
from pilar_cases.settings import CasesSettings
from pilar_contracts.events.fields import VolunteerStatus
from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from tests.api.cases_harness import (
    AUDITOR,
    MAGELANG,
    NAME,
    NIK,
    PHONE,
    SEMARANG,
    VILLAGE,
    Service,
    cases,
    cases_settings,
    certified_pillar,
    open_case,
    psks,
    registered,
    revoke,
    set_competencies,
    set_status,
    staged,
)
from tests.api.harness import bearer, serving

pytestmark = pytest.mark.integration
__all__ = ["cases"]
OVERRIDE = {"override_reason": "anak terlantar dalam bahaya, wali tidak dapat dihubungi"}


async def _refer(
    http: httpx.AsyncClient, case_id: str, body: dict[str, str] | None = None
) -> dict[str, object]:
    response = await http.post(f"/cases/{case_id}/referrals", json=body or {}, headers=MAGELANG)
    assert response.status_code == 201, response.text
    referral: dict[str, object] = response.json()
    return referral


async def test_no_referral_without_consent_unless_an_audited_override(cases: Service) -> None:
    http, runtime = cases
    await certified_pillar(runtime, VILLAGE)
    case = await open_case(http, consent="refused")
    refused = await http.post(f"/cases/{case['id']}/referrals", json={}, headers=MAGELANG)
    assert (refused.status_code, refused.json()["code"]) == (422, "consent_missing")
    await _refer(http, case["id"], OVERRIDE)
    [row] = (await http.get("/audit", headers=AUDITOR)).json()
    assert (row["action"], row["case_id"], row["reason"]) == (
        "consent_override",
        case["id"],
        OVERRIDE["override_reason"],
    )


async def test_the_nearest_eligible_pillar_of_a_suitable_type_is_chosen(cases: Service) -> None:
    http, runtime = cases
    await certified_pillar(runtime, "33.71.01.1001")  # same district
    await certified_pillar(runtime, VILLAGE, psks_type="PSKS-03")  # Tagana: not for the elderly
    await certified_pillar(runtime, VILLAGE, valid_until=date(2025, 1, 1))  # expired
    suspended, _ = await certified_pillar(runtime, VILLAGE)
    await set_status(runtime, suspended, VolunteerStatus.SUSPENDED)
    revoked, certification = await certified_pillar(runtime, VILLAGE)
    await revoke(runtime, revoked, certification)
    nearest, _ = await certified_pillar(runtime, VILLAGE)
    case = await open_case(http)
    referral = await _refer(http, case["id"])
    assert (referral["to_id"], referral["attempt"], referral["status"]) == (
        str(nearest),
        1,
        "pending",
    )
    accept_by = datetime.fromisoformat(str(referral["accept_by"]))
    sent_at = datetime.fromisoformat(str(referral["sent_at"]))
    assert accept_by - sent_at == timedelta(hours=48)
    again = await http.post(f"/cases/{case['id']}/referrals", json={}, headers=MAGELANG)
    assert (again.status_code, again.json()["code"]) == (409, "referral_open")


async def test_nobody_eligible_in_the_province_is_a_clear_422(cases: Service) -> None:
    http, runtime = cases
    await certified_pillar(runtime, "34.71.01.1001")  # another province
    case = await open_case(http)
    response = await http.post(f"/cases/{case['id']}/referrals", json={}, headers=MAGELANG)
    assert (response.status_code, response.json()["code"]) == (422, "no_candidate")


async def test_a_decline_escalates_to_the_next_candidate_who_accepts(cases: Service) -> None:
    http, runtime = cases
    first, _ = await certified_pillar(runtime, VILLAGE)
    second, _ = await certified_pillar(runtime, "33.71.02.1001")
    case = await open_case(http)
    referral = await _refer(http, case["id"])
    url = f"/referrals/{referral['id']}"
    assert (await http.post(f"{url}/accept", headers=psks(second))).status_code == 403
    assert (await http.post(f"{url}/accept", headers=MAGELANG)).status_code == 403
    declined = await http.post(f"{url}/decline", json={"reason_code": "penuh"}, headers=psks(first))
    assert declined.status_code == 200, declined.text
    answer = declined.json()
    assert answer["referral"]["status"] == "declined"
    following = answer["next"]
    assert (following["to_id"], following["attempt"]) == (str(second), 2)
    mine = (await http.get("/referrals", headers=psks(second))).json()
    assert [r["id"] for r in mine] == [following["id"]]
    accepted = await http.post(f"/referrals/{following['id']}/accept", headers=psks(second))
    assert accepted.json()["status"] == "accepted"
    done_url = f"/referrals/{following['id']}/complete"
    bad = await http.post(done_url, json={"outcome": "terlayani", "quality": 6}, headers=MAGELANG)
    assert bad.status_code == 422
    outside = await http.post(
        done_url, json={"outcome": "terlayani", "quality": 4}, headers=SEMARANG
    )
    assert outside.status_code == 403
    done = await http.post(done_url, json={"outcome": "terlayani", "quality": 4}, headers=MAGELANG)
    assert (done.json()["status"], done.json()["quality"]) == ("completed", 4)
    subjects = [s.split(".v1.")[0] for s, _, _ in await staged(runtime)]
    assert subjects == [
        "pilar.cases.case.opened",
        "pilar.cases.case.referred",
        "pilar.cases.referral.declined",
        "pilar.cases.case.referred",
        "pilar.cases.referral.accepted",
        "pilar.cases.referral.completed",
    ]


async def test_the_expiry_job_expires_overdue_referrals_and_escalates(cases: Service) -> None:
    http, runtime = cases
    first, _ = await certified_pillar(runtime, VILLAGE)
    second, _ = await certified_pillar(runtime, "33.71")
    case = await open_case(http)
    referral = await _refer(http, case["id"])
    job = ReferralExpiry(interval=60, policy=CasesSettings().referral_policy())
    sent = datetime.fromisoformat(str(referral["sent_at"]))
    assert await job.scan(runtime, now=sent + timedelta(hours=47)) == 0
    assert await job.scan(runtime, now=sent + timedelta(hours=49)) == 1
    events = await staged(runtime)
    expired = [body for subject, _, body in events if ".referral.expired." in subject]
    assert expired == [{"referral_id": referral["id"], "case_id": case["id"], "to_id": str(first)}]
    referred = [body for subject, _, body in events if ".case.referred." in subject]
    assert [(r["to_id"], r["attempt"]) for r in referred] == [(str(first), 1), (str(second), 2)]
    late = await http.post(f"/referrals/{referral['id']}/accept", headers=psks(first))
    assert (late.status_code, late.json()["code"]) == (409, "already_answered")


@pytest.fixture
async def small_cases(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[Service]:
    """The cases service where each pillar carries one open referral at most."""
    settings = cases_settings(database_url, nats_server.url, tmp_path, referral_capacity=1)
    async with serving(create_app, settings) as running:
        yield running


async def test_a_pillar_at_capacity_is_passed_over(small_cases: Service) -> None:
    http, runtime = small_cases
    busy, _ = await certified_pillar(runtime, VILLAGE)
    farther, _ = await certified_pillar(runtime, "33.71.03.1001")
    first = await _refer(http, (await open_case(http))["id"])
    other = await open_case(http, nik=NIK[:12] + "0008")
    second = await _refer(http, other["id"])
    assert (first["to_id"], second["to_id"]) == (str(busy), str(farther))


HEX_WITH_LETTERS = re.compile(r"[0-9a-f-]*[a-f][0-9a-f-]*")  # ids, client_ref, trace ids
NIK_LIKE = re.compile(r"(?<!\d)\d{16}(?!\d)")
PHONE_LIKE = re.compile(r"\+?62\d{8,13}|08\d{8,11}")


async def test_no_staged_event_carries_a_nik_a_name_or_a_phone_number(cases: Service) -> None:
    http, runtime = cases
    first, _ = await certified_pillar(runtime, VILLAGE)
    await certified_pillar(runtime, "33.71.02.1001")
    case = await open_case(http)
    referral = await _refer(http, case["id"])
    await http.post(
        f"/referrals/{referral['id']}/decline", json={"reason_code": "sakit"}, headers=psks(first)
    )
    await http.delete(
        f"/clients/{case['client_ref']}/personal-data",
        params={"reason": "permintaan penghapusan oleh klien"},
        headers=MAGELANG,
    )
    events = await staged(runtime)
    assert [subject.split(".")[3] for subject, _, _ in events] == [
        "opened",
        "referred",
        "declined",
        "referred",
        "personal_data_erased",  # the erasure is announced by client_ref alone
    ]
    text = json.dumps([[subject, headers, body] for subject, headers, body in events])
    for secret in (NIK, NAME, "Siti", "Aminah", PHONE, PHONE[3:], "3371011501100003", "Pahlawan"):
        assert secret not in text
    numbers = HEX_WITH_LETTERS.sub(" ", text)
    assert not NIK_LIKE.search(numbers)
    assert not PHONE_LIKE.search(numbers)


async def test_a_psks_token_not_naming_a_volunteer_sees_nothing(cases: Service) -> None:
    http, _ = cases
    response = await http.get("/referrals", headers=bearer(Role.PSKS, "33.71", subject="x"))
    assert (response.status_code, response.json()) == (200, [])
    unknown = f"/referrals/{UUID(int=9)}/accept"
    assert (await http.post(unknown, headers=psks(UUID(int=9)))).status_code == 404


async def test_a_pillar_trained_for_the_service_is_asked_first_whatever_the_event_order(
    cases: Service,
) -> None:
    http, runtime = cases
    pair = [(await certified_pillar(runtime, VILLAGE))[0] for _ in range(2)]
    untrained, trained = sorted(pair, key=str)  # without competence, the lower id would win
    monday, tuesday = datetime(2026, 11, 2, 8, tzinfo=UTC), datetime(2026, 11, 3, 8, tzinfo=UTC)
    await set_competencies(runtime, trained, ("pendampingan_lansia",), tuesday)
    await registered(runtime, trained, (), monday)  # the older registration arrives late
    await registered(runtime, untrained, ("dapur_umum",), monday)
    case = await open_case(http)  # PMKS-08: the service is pendampingan_lansia
    referral = await http.post(f"/cases/{case['id']}/referrals", json={}, headers=MAGELANG)
    assert referral.status_code == 201, referral.text
    assert referral.json()["to_id"] == str(trained)
