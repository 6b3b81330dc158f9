"""Registry HTTP API: who may do what where, clear 4xx errors, and the events it stages."""

from __future__ import annotations

import json

import pytest

from pilar_kit.auth import Role
from tests.api.harness import CHECKER, Service, bearer, enrol, make_nik, staged

pytestmark = pytest.mark.integration
MAGELANG = bearer(Role.REGENCY_OPERATOR, "33.71")
CHECKS = bearer(Role.REGENCY_OPERATOR, "33.71", subject=CHECKER)
NATIONAL = bearer(Role.NATIONAL_OPERATOR)
NIK = make_nik("33.71.01", 1)
VOLUNTEER = {
    "psks_type": "PSKS-02",
    "region": "33.71.01.1003",
    "nik": NIK,
    "display_name": "Budi Santoso",
    "email": "budi@example.org",
    "phone": "+6281234567890",
    "competencies": ["pendampingan"],
}


async def test_register_verify_certify_stage_their_events(registry: Service) -> None:
    http, runtime = registry
    created = await http.post("/volunteers", json=VOLUNTEER, headers=MAGELANG)
    assert created.status_code == 201, created.text
    volunteer = created.json()
    assert volunteer["verification"] == "pending"
    assert not {"display_name", "email", "nik"} & set(volunteer)
    url = f"/volunteers/{volunteer['id']}"
    cert = {"scheme": "PSM", "certificate_no": "PSM-1", "valid_from": "2026-01-01"}
    early = await http.post(f"{url}/certifications", json=cert, headers=CHECKS)
    assert (early.status_code, early.json()["code"]) == (422, "not_verified")
    same = await http.post(f"{url}/verify", headers=MAGELANG)
    assert (same.status_code, same.json()["code"]) == (409, "same_operator")
    assert (await http.post(f"{url}/verify", headers=CHECKS)).json()["verification"] == "verified"
    assert (await http.post(f"{url}/certifications", json=cert, headers=CHECKS)).status_code == 201
    read = (await http.get(url, headers=MAGELANG)).json()
    assert [c["certificate_no"] for c in read["certifications"]] == ["PSM-1"]
    events = await staged(runtime)
    assert [s for s, _ in events] == [
        "pilar.registry.volunteer.registered.v1.33.71",
        "pilar.private.registry.contact.changed.v1.33.71",
        "pilar.registry.volunteer.verified.v1.33.71",
        "pilar.registry.volunteer.certified.v1.33.71",
    ]
    public = json.dumps([body for subject, body in events if ".private." not in subject])
    assert "Budi" not in public
    assert NIK not in public
    assert "628123" not in public


async def test_one_nik_registers_once_with_a_pointer_to_the_record(registry: Service) -> None:
    http, _ = registry
    first = (await http.post("/volunteers", json=VOLUNTEER, headers=MAGELANG)).json()
    again = await http.post(
        "/volunteers", json=VOLUNTEER | {"psks_type": "PSKS-09"}, headers=MAGELANG
    )
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_nik"
    assert again.json()["existing_id"] == first["id"]
    assert NIK not in again.text


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"nik": "33710115089"}, "not_16_digits"),
        ({"nik": "3371011513900001"}, "month_invalid"),
        ({"nik": "3371013208900001"}, "day_invalid"),
        ({"nik": "3371011508900000"}, "serial_zero"),
        ({"psks_type": "PSKS-04"}, "wrong_subject"),
        ({"psks_type": "PSKS-03"}, "tagana_tier"),
        ({"psks_type": "PSKS-01"}, "peksos_level"),
        ({"psks_type": "PSKS-11"}, "region_depth"),
    ],
)
async def test_rules_of_identity_and_type_answer_422_with_findings(
    registry: Service, change: dict[str, str], code: str
) -> None:
    http, runtime = registry
    response = await http.post("/volunteers", json=VOLUNTEER | change, headers=MAGELANG)
    assert response.status_code == 422, response.text
    assert code in [f["code"] for f in response.json()["findings"]]
    assert await staged(runtime) == []


async def test_an_old_papua_prefix_is_a_warning_not_a_refusal(registry: Service) -> None:
    http, _ = registry
    papua = VOLUNTEER | {"nik": "9101011508900001", "region": "33.71.01.1003"}
    response = await http.post("/volunteers", json=papua, headers=MAGELANG)
    assert response.status_code == 201, response.text
    assert [w["code"] for w in response.json()["warnings"]] == ["prefix_historical"]


async def test_one_tksk_per_kecamatan(registry: Service) -> None:
    http, _ = registry
    tksk = VOLUNTEER | {"psks_type": "PSKS-11", "region": "33.71.01"}
    first = await http.post("/volunteers", json=tksk, headers=MAGELANG)
    assert first.status_code == 201, first.text
    second = await http.post(
        "/volunteers", json=tksk | {"nik": make_nik("33.71.01", 2)}, headers=MAGELANG
    )
    assert (second.status_code, second.json()["code"]) == (409, "post_taken")
    assert second.json()["existing_id"] == first.json()["id"]


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "Token tidak ada atau tidak sah"),
        ({"Authorization": "Bearer not-a-token"}, 401, "Token tidak ada atau tidak sah"),
        (bearer(Role.REGENCY_OPERATOR, "33.72"), 403, "di luar wilayah"),
        (bearer(Role.PROVINCIAL_OPERATOR, "32"), 403, "di luar wilayah"),
        (bearer(Role.PSKS, "33.71"), 403, "peran tidak berwenang"),
        (bearer(Role.AUDITOR), 403, "peran tidak berwenang"),
        (bearer(Role.PROVINCIAL_OPERATOR, "33"), 201, None),
        (bearer(Role.NATIONAL_OPERATOR), 201, None),
    ],
)
async def test_who_may_register_where(
    registry: Service, headers: dict[str, str], status: int, detail: str | None
) -> None:
    http, _ = registry
    response = await http.post("/volunteers", json=VOLUNTEER, headers=headers)
    assert response.status_code == status, response.text
    if detail:
        assert detail in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"region": "33.71.01.9999"}, "region"),
        ({"region": "Magelang"}, "region"),
        ({"psks_type": "PSKS-13"}, "psks_type"),
        ({"email": "not-an-email"}, "email"),
        ({"display_name": ""}, "display_name"),
        ({"nik_typo": "1"}, "nik_typo"),
    ],
)
async def test_malformed_input_is_a_422_naming_the_field(
    registry: Service, change: dict[str, str], field: str
) -> None:
    http, runtime = registry
    response = await http.post("/volunteers", json=VOLUNTEER | change, headers=MAGELANG)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == [field]
    assert await staged(runtime) == []


async def test_a_422_names_what_is_wrong_without_echoing_personal_data(
    registry: Service,
) -> None:
    http, _ = registry
    incomplete = {k: v for k, v in VOLUNTEER.items() if k != "psks_type"}
    response = await http.post("/volunteers", json=incomplete, headers=MAGELANG)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["psks_type"]
    assert NIK not in response.text
    assert "Budi Santoso" not in response.text


async def test_certification_rules_and_revocation(registry: Service) -> None:
    http, runtime = registry
    volunteer_id = await enrol(http, region="33.71.01.1003", serial=7)
    url = f"/volunteers/{volunteer_id}/certifications"
    backwards = {
        "scheme": "TAGANA",
        "certificate_no": "X",
        "valid_from": "2026-02-01",
        "valid_until": "2026-01-01",
    }
    response = await http.post(url, json=backwards, headers=MAGELANG)
    assert (response.status_code, response.json()["code"]) == (422, "invalid_period")
    ok = {
        "scheme": "TAGANA",
        "certificate_no": "X",
        "valid_from": "2026-01-01",
        "issuer": "Kemensos",
    }
    cert = (await http.post(url, json=ok, headers=MAGELANG)).json()
    again = await http.post(url, json=ok, headers=MAGELANG)
    assert (again.status_code, again.json()["code"]) == (422, "duplicate_certificate")
    revoke = f"{url}/{cert['id']}/revoke"
    revoked = await http.post(revoke, json={"reason_code": "misconduct"}, headers=MAGELANG)
    assert revoked.json()["revoked"] is True
    twice = await http.post(revoke, json={"reason_code": "misconduct"}, headers=MAGELANG)
    assert (twice.status_code, twice.json()["code"]) == (409, "already_revoked")
    assert (await staged(runtime))[-1][0] == "pilar.registry.certification.revoked.v1.33.71"
    unknown = await http.post(
        "/volunteers/01a205d7-5b00-7df4-9705-5f640eb72c62/certifications", json=ok, headers=MAGELANG
    )
    assert unknown.status_code == 404
    elsewhere = await http.post(
        url, json=ok | {"certificate_no": "Y"}, headers=bearer(Role.REGENCY_OPERATOR, "33.72")
    )
    assert elsewhere.status_code == 403


async def test_listing_filters_by_region_type_status_scheme_and_competency(
    registry: Service,
) -> None:
    http, _ = registry
    a = await enrol(http, region="33.71.01.1003", serial=11, certificate_no="T-11")
    b = await enrol(http, region="33.71.01.1003", serial=12)
    c = await enrol(http, region="32.04.05.2001", serial=13, certificate_no="T-13")
    await http.put(f"/volunteers/{b}/status", json={"status": "on_leave"}, headers=MAGELANG)

    async def ids(query: str, headers: dict[str, str] = NATIONAL) -> list[str]:
        response = await http.get(f"/volunteers?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids("") == [a, b, c]
    assert await ids("region=33") == [a, b]
    assert await ids("region=33.71.01") == [a, b]
    assert await ids("", MAGELANG) == [a, b]
    assert await ids("status=active") == [a, c]
    assert await ids("scheme=TAGANA") == [a, c]
    assert await ids("region=32&scheme=TAGANA") == [c]
    assert await ids("competency=pendampingan") == []
    first = (await http.get("/volunteers?limit=2", headers=bearer(Role.NATIONAL_OPERATOR))).json()
    assert [i["id"] for i in first["items"]] == [a, b]
    assert await ids(f"after={first['next_cursor']}") == [c]
    outside = await http.get("/volunteers?region=32", headers=MAGELANG)
    assert outside.status_code == 403
