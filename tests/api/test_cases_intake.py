"""Cases API, intake and privacy: who may open and read what, audited reads, erasure."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pilar_cases.keyring import Keyring, Unreadable
from pilar_cases.store import ClientKeyRow, ClientRow
from pilar_kit.auth import Role
from tests.api.cases_harness import (
    AUDITOR,
    MAGELANG,
    NAME,
    NATIONAL,
    NIK,
    PHONE,
    SEMARANG,
    Service,
    case_body,
    cases,
    open_case,
    staged,
)
from tests.api.harness import bearer

pytestmark = pytest.mark.integration
__all__ = ["cases"]
REASON = {"reason": "asesmen lanjutan oleh pekerja sosial"}


async def test_intake_opens_a_case_and_stages_case_opened_without_personal_data(
    cases: Service,
) -> None:
    http, runtime = cases
    case = await open_case(http)
    assert (case["stage"], case["status"], case["pmks_category"]) == (
        "pendekatan_awal",
        "open",
        "PMKS-08",
    )
    assert case["consent"]["status"] == "given"
    assert case["consent"]["recorded_by"] == "operator-magelang"
    assert case["warnings"] == []
    assert case["earlier_case_ids"] == []
    assert not {"nik", "display_name", "phone", "personal"} & set(case)
    [(subject, headers, body)] = await staged(runtime)
    assert subject == "pilar.cases.case.opened.v1.33.71"
    assert headers["ce-subject"] == f"case/{case['id']}"
    assert body["client_ref"] == case["client_ref"]
    assert len(case["client_ref"]) == 64
    assert NIK not in str(body)
    assert NAME not in str(body)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"nik": "33710115089"}, "not_16_digits"),
        ({"nik": "3371011513900001"}, "month_invalid"),
        ({"nik": "3371015508900000"}, "serial_zero"),
        ({"kk": "3371013213100003"}, "kk_date_invalid"),
        ({"region": "33.71.99.9999"}, "region_unknown"),
        ({"client_kind": "community"}, "client_kind_mismatch"),
    ],
)
async def test_hard_rules_refuse_with_findings_and_stage_nothing(
    cases: Service, change: dict[str, str], code: str
) -> None:
    http, runtime = cases
    response = await http.post("/cases", json=case_body(**change), headers=MAGELANG)
    assert response.status_code == 422, response.text
    assert code in [f["code"] for f in response.json()["findings"]]
    assert NIK not in response.text
    assert await staged(runtime) == []


async def test_malformed_input_is_422_without_echoing_it(cases: Service) -> None:
    http, _ = cases
    response = await http.post("/cases", json=case_body(pmks_category="PMKS-27"), headers=MAGELANG)
    assert response.status_code == 422
    assert NIK not in response.text
    assert NAME not in response.text


async def test_soft_rules_only_warn(cases: Service) -> None:
    http, _ = cases
    case = await open_case(http, birth_date="1991-08-15", sex="M")
    assert {"birth_date_mismatch", "sex_mismatch"} <= {w["code"] for w in case["warnings"]}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (SEMARANG, 403),
        (bearer(Role.PROVINCIAL_OPERATOR, "34"), 403),
        (bearer(Role.PSKS, "33.71"), 403),
        (AUDITOR, 403),
        ({}, 401),
    ],
)
async def test_only_operators_of_the_region_take_in_clients(
    cases: Service, headers: dict[str, str], status: int
) -> None:
    http, runtime = cases
    response = await http.post("/cases", json=case_body(), headers=headers)
    assert response.status_code == status
    assert await staged(runtime) == []


async def test_the_same_nik_in_another_regency_is_reported_not_refused(cases: Service) -> None:
    http, _ = cases
    first = await open_case(http)
    semarang_body = case_body(region="33.74.01.1001", pmks_category="PMKS-24")
    again = await http.post("/cases", json=semarang_body, headers=SEMARANG)
    assert again.status_code == 201, again.text
    repeat = again.json()
    assert repeat["client_ref"] == first["client_ref"]
    assert [w["code"] for w in repeat["warnings"]] == ["client_known"]
    assert repeat["earlier_case_ids"] == []  # Magelang's case lies outside Semarang's region
    third = await http.post("/cases", json=case_body(), headers=NATIONAL)
    assert third.json()["earlier_case_ids"] == [first["id"], repeat["id"]]
    assert "2 kasus" in third.json()["warnings"][0]["message"]


async def test_reading_personal_data_needs_a_reason_and_is_audited(cases: Service) -> None:
    http, _ = cases
    case = await open_case(http)
    plain = (await http.get(f"/cases/{case['id']}", headers=MAGELANG)).json()
    assert plain["personal"] is None
    assert plain["personal_erased"] is None
    assert (await http.get("/audit", headers=AUDITOR)).json() == []
    read = await http.get(f"/cases/{case['id']}", params=REASON, headers=MAGELANG)
    personal = read.json()["personal"]
    assert (personal["nik"], personal["display_name"], personal["phone"]) == (NIK, NAME, PHONE)
    [row] = (await http.get("/audit", headers=AUDITOR)).json()
    assert (row["actor"], row["action"], row["case_id"]) == (
        "operator-magelang",
        "read_personal",
        case["id"],
    )
    assert row["reason"] == REASON["reason"]
    assert (await http.get("/audit", headers=MAGELANG)).status_code == 403
    outside = await http.get(f"/cases/{case['id']}", params=REASON, headers=SEMARANG)
    assert outside.status_code == 403
    assert len((await http.get("/audit", headers=AUDITOR)).json()) == 1


async def test_erasure_shreds_the_key_so_nothing_personal_is_readable(cases: Service) -> None:
    http, runtime = cases
    case = await open_case(http)
    ref = case["client_ref"]
    url = f"/clients/{ref}/personal-data"
    assert (await http.delete(url, params=REASON, headers=SEMARANG)).status_code == 404
    assert (await http.delete(url, params=REASON, headers=MAGELANG)).status_code == 204
    read = (await http.get(f"/cases/{case['id']}", params=REASON, headers=MAGELANG)).json()
    assert read["personal"] is None
    assert read["personal_erased"] is True
    assert read["status"] == "open"  # the case itself stays, with no one's name on it
    async with runtime.transaction() as session:
        assert await session.get(ClientKeyRow, ref) is None
        sealed = (await session.execute(select(ClientRow.sealed))).scalar_one()
    assert NIK.encode() not in sealed
    assert NAME.encode() not in sealed
    with pytest.raises(Unreadable):  # another key does not open what stayed
        Keyring.unseal(Keyring.new_data_key(), ref, sealed)
    actions = [r["action"] for r in (await http.get("/audit", headers=AUDITOR)).json()]
    assert actions == ["read_personal", "erase_personal"]
    [(subject, headers, body)] = [s for s in await staged(runtime) if ".client." in s[0]]
    assert subject == "pilar.cases.client.personal_data_erased.v1.33.71"
    assert (headers["ce-subject"], body["client_ref"]) == (f"client/{ref}", ref)
    assert (await http.delete(url, params=REASON, headers=MAGELANG)).status_code == 204
    erasures = [s for s in await staged(runtime) if ".client." in s[0]]
    assert len(erasures) == 1  # erasing again finds no key: nothing new to announce
