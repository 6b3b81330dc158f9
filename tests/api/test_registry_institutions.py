"""Institutions over HTTP: registration with maker-checker, duplicates, accreditation and expiry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pilar_kit.auth import Role
from pilar_registry.jobs import ExpiryScheduler
from pilar_registry.usecases import scan_expiries
from tests.api.harness import CHECKER, Service, bearer, staged

pytestmark = pytest.mark.integration
MAGELANG = bearer(Role.REGENCY_OPERATOR, "33.71")
CHECKS = bearer(Role.REGENCY_OPERATOR, "33.71", subject=CHECKER)
NATIONAL = bearer(Role.NATIONAL_OPERATOR)
VILLAGE, OTHER_VILLAGE = "33.71.01.1003", "33.71.01.1007"
LKS = {
    "psks_type": "PSKS-04",
    "region": VILLAGE,
    "name": "LKSA Harapan Bunda",
    "registration_no": "460/12/DINSOS/2024",
    "contact_name": "Ibu Sri Wahyuni",
    "email": "lksa.harapan@example.org",
    "phone": "+6281234567890",
    "services": ["pengasuhan_anak", "rehabilitasi_sosial"],
}
KARANG_TARUNA = {
    "psks_type": "PSKS-05",
    "region": VILLAGE,
    "name": "Karang Taruna Tunas Muda",
    "contact_name": "Andi",
}


async def register(http: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/institutions", json=body, headers=MAGELANG)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def verified_lks(http: httpx.AsyncClient, body: dict[str, Any] = LKS) -> str:
    lks = await register(http, body)
    response = await http.post(f"/institutions/{lks['id']}/verify", headers=CHECKS)
    assert response.status_code == 200, response.text
    return str(lks["id"])


async def test_an_lks_is_registered_verified_and_accredited(registry: Service) -> None:
    http, runtime = registry
    lks = await register(http, LKS)
    assert (lks["verification"], lks["accreditation"]) == ("pending", None)
    assert not {"contact_name", "email", "phone"} & set(lks)
    url = f"/institutions/{lks['id']}"
    accreditation = {
        "grade": "A",
        "accreditation_no": "BALKS/A/2026/001",
        "valid_from": "2026-01-01",
    }
    early = await http.post(f"{url}/accreditations", json=accreditation, headers=CHECKS)
    assert (early.status_code, early.json()["code"]) == (422, "not_verified")
    same = await http.post(f"{url}/verify", headers=MAGELANG)
    assert (same.status_code, same.json()["code"]) == (409, "same_operator")
    assert (await http.post(f"{url}/verify", headers=CHECKS)).json()["verification"] == "verified"
    created = await http.post(f"{url}/accreditations", json=accreditation, headers=CHECKS)
    assert created.status_code == 201, created.text
    assert (created.json()["valid_until"], created.json()["issuer"]) == ("2030-12-31", "BALKS")
    read = (await http.get(url, headers=MAGELANG)).json()
    assert read["accreditation"]["grade"] == "A"
    events = await staged(runtime)
    assert [s for s, _ in events] == [
        "pilar.registry.institution.registered.v1.33.71",
        "pilar.private.registry.contact.changed.v1.33.71",
        "pilar.registry.institution.verified.v1.33.71",
        "pilar.registry.institution.accredited.v1.33.71",
    ]
    assert events[0][1]["services"] == ["pengasuhan_anak", "rehabilitasi_sosial"]
    assert events[2][1] == {"institution_id": lks["id"], "verified_by": CHECKER}
    assert events[3][1] == {
        "institution_id": lks["id"],
        "grade": "A",
        "valid_until": "2030-12-31",
    }
    public = json.dumps([body for subject, body in events if ".private." not in subject])
    assert "Sri" not in public
    assert "6281234" not in public
    assert events[1][1]["person_kind"] == "institution"
    metrics = (await http.get("/metrics")).text
    registered = 'pilar_registry_institutions_registered_total{province="33",psks_type="PSKS-04"}'
    assert f"{registered} 1.0" in metrics
    assert 'pilar_registry_accreditations_total{grade="A"} 1.0' in metrics


async def test_an_accreditation_number_belongs_to_one_institution(registry: Service) -> None:
    http, _ = registry
    first = await verified_lks(http)
    second = await verified_lks(http, LKS | {"registration_no": "461/12", "name": "LKS Lain"})
    body = {"grade": "B", "accreditation_no": "BALKS/B/1", "valid_from": "2026-01-01"}
    assert (await http.post(f"/institutions/{first}/accreditations", json=body)).status_code == 401
    ok = await http.post(f"/institutions/{first}/accreditations", json=body, headers=CHECKS)
    assert ok.status_code == 201, ok.text
    taken = await http.post(f"/institutions/{second}/accreditations", json=body, headers=CHECKS)
    assert (taken.status_code, taken.json()["existing_id"]) == (409, first)


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        (LKS, LKS | {"name": "Nama Lain", "region": OTHER_VILLAGE}, "duplicate_registration"),
        (KARANG_TARUNA, KARANG_TARUNA | {"name": "Karang Taruna Kedua"}, "post_taken"),
        (
            {"psks_type": "PSKS-08", "region": VILLAGE, "name": "WKSBM Guyub", "contact_name": "A"},
            {
                "psks_type": "PSKS-08",
                "region": VILLAGE,
                "name": "wksbm  GUYUB",
                "contact_name": "B",
            },
            "duplicate_name",
        ),
    ],
)
async def test_a_duplicate_points_at_the_existing_record(
    registry: Service, first: dict[str, Any], second: dict[str, Any], code: str
) -> None:
    http, runtime = registry
    existing = await register(http, first)
    again = await http.post("/institutions", json=second, headers=MAGELANG)
    assert again.status_code == 409, again.text
    assert (again.json()["code"], again.json()["existing_id"]) == (code, existing["id"])
    assert len(await staged(runtime)) == 2  # only the first registration's events


async def test_another_village_may_have_its_own_karang_taruna(registry: Service) -> None:
    http, _ = registry
    await register(http, KARANG_TARUNA)
    other = await http.post(
        "/institutions", json=KARANG_TARUNA | {"region": OTHER_VILLAGE}, headers=MAGELANG
    )
    assert other.status_code == 201, other.text


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"registration_no": None}, "registration_no_missing"),
        ({"region": "33.71"}, None),  # an LKS may be known at regency level
        ({"psks_type": "PSKS-12", "registration_no": "12-34"}, "registration_no_invalid"),
        ({"psks_type": "PSKS-05"}, None),
        ({"psks_type": "PSKS-05", "region": "33.71.01"}, "region_depth"),
        ({"psks_type": "PSKS-03"}, "wrong_subject"),
    ],
)
async def test_the_rules_of_each_type_answer_422_with_findings(
    registry: Service, change: dict[str, Any], code: str | None
) -> None:
    http, runtime = registry
    response = await http.post("/institutions", json=LKS | change, headers=MAGELANG)
    if code is None:
        assert response.status_code == 201, response.text
        return
    assert response.status_code == 422, response.text
    assert code in [f["code"] for f in response.json()["findings"]]
    assert await staged(runtime) == []


async def test_availability_and_capacity_change_over_http(registry: Service) -> None:
    http, runtime = registry
    lks = await verified_lks(http)
    url = f"/institutions/{lks}"
    changed = await http.patch(url, json={"status": "suspended", "capacity": 12}, headers=MAGELANG)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["capacity"]) == ("suspended", 12)
    capacity_only = await http.patch(url, json={"capacity": 10}, headers=MAGELANG)
    assert capacity_only.status_code == 200, capacity_only.text
    statuses = [b for s, b in await staged(runtime) if ".institution.status_changed." in s]
    assert statuses == [{"institution_id": lks, "status": "suspended", "reason_code": None}]
    leave = await http.patch(url, json={"status": "on_leave"}, headers=MAGELANG)
    assert (leave.status_code, leave.json()["code"]) == (422, "status_not_for_institution")
    negative = await http.patch(url, json={"capacity": -1}, headers=MAGELANG)
    assert negative.status_code == 422
    elsewhere = await http.patch(
        url, json={"capacity": 1}, headers=bearer(Role.REGENCY_OPERATOR, "32.04")
    )
    assert elsewhere.status_code == 403
    missing = await http.patch(
        "/institutions/01a205d7-5b00-7df4-9705-5f640eb72c62", json={"capacity": 1}, headers=MAGELANG
    )
    assert (missing.status_code, missing.json()["detail"]) == (404, "Lembaga tidak ditemukan")


async def test_listing_filters_by_region_type_grade_and_service(registry: Service) -> None:
    http, _ = registry
    lks = await verified_lks(http)
    body = {"grade": "B", "accreditation_no": "BALKS/B/9", "valid_from": "2026-01-01"}
    await http.post(f"/institutions/{lks}/accreditations", json=body, headers=CHECKS)
    karang_taruna = (await register(http, KARANG_TARUNA))["id"]
    west_java = LKS | {"region": "32.04.05.2001", "registration_no": "1/2026"}
    bandung = (await http.post("/institutions", json=west_java, headers=NATIONAL)).json()["id"]

    async def ids(query: str, headers: dict[str, str] = NATIONAL) -> list[str]:
        response = await http.get(f"/institutions?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids("") == [lks, karang_taruna, bandung]
    assert await ids("", MAGELANG) == [lks, karang_taruna]
    assert await ids("region=32") == [bandung]
    assert await ids("psks_type=PSKS-05") == [karang_taruna]
    assert await ids("grade=B") == [lks]
    assert await ids("grade=A") == []
    assert await ids("service=pengasuhan_anak") == [lks, bandung]
    assert await ids("verification=pending") == [karang_taruna, bandung]
    page = (await http.get("/institutions?limit=2", headers=NATIONAL)).json()
    assert await ids(f"after={page['next_cursor']}") == [bandung]
    assert (await http.get("/institutions?region=32", headers=MAGELANG)).status_code == 403


async def test_the_expiry_scheduler_announces_accreditations_once(registry: Service) -> None:
    http, runtime = registry
    today = datetime.now(UTC).date()
    soon, lapsed = (
        await verified_lks(http),
        await verified_lks(http, LKS | {"registration_no": "2"}),
    )
    for lks, until, number in ((soon, today + timedelta(days=5), "S"), (lapsed, today, "L")):
        body = {
            "grade": "C",
            "accreditation_no": number,
            "valid_from": "2020-01-01",
            "valid_until": str(until),
        }
        response = await http.post(f"/institutions/{lks}/accreditations", json=body, headers=CHECKS)
        assert response.status_code == 201, response.text
    scheduler = ExpiryScheduler(interval=3600, page_size=1)
    await scheduler.scan(runtime)
    await scheduler.scan(runtime)
    expiry = [(s.split(".")[3], b) for s, b in await staged(runtime) if ".accreditation." in s]
    assert sorted(
        (kind, body["institution_id"], body.get("days_left")) for kind, body in expiry
    ) == sorted([("expiring", soon, 5), ("expiring", lapsed, 0)])
    # the day after its last valid day the lapsed one expires, once; the other owes nothing new
    async with runtime.transaction() as session:
        page = await scan_expiries(session, runtime.outbox, today=today + timedelta(days=1))
    async with runtime.transaction() as session:
        again = await scan_expiries(session, runtime.outbox, today=today + timedelta(days=1))
    assert (page.staged, again.staged) == (1, 0)
    kinds = [s.split(".")[3] for s, _ in await staged(runtime) if ".accreditation." in s]
    assert kinds.count("expired") == 1
