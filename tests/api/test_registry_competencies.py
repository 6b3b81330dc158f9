"""Trainings and competencies of PSKS people over HTTP, and what a PSKS may read of itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pilar_kit.auth import Role
from tests.api.harness import Service, bearer, enrol, staged

pytestmark = pytest.mark.integration
MAGELANG = bearer(Role.REGENCY_OPERATOR, "33.71")
NATIONAL = bearer(Role.NATIONAL_OPERATOR)
KITCHEN = {
    "name": "Diklat Dapur Umum Lapangan",
    "organiser": "Kemensos",
    "held_on": "2026-03-10",
    "hours": 32,
    "competencies": ["dapur_umum", "logistik"],
}


async def test_a_training_adds_its_competencies_and_search_finds_them(registry: Service) -> None:
    http, _ = registry
    person = await enrol(http, region="33.71.01.1003", serial=1)
    url = f"/volunteers/{person}"
    recorded = await http.post(f"{url}/trainings", json=KITCHEN, headers=MAGELANG)
    assert recorded.status_code == 201, recorded.text
    psychosocial = KITCHEN | {"name": "LDP", "held_on": "2026-04-01", "competencies": ["ldp"]}
    assert (await http.post(f"{url}/trainings", json=psychosocial, headers=MAGELANG)).is_success
    read = (await http.get(url, headers=MAGELANG)).json()
    assert read["competencies"] == ["dapur_umum", "ldp", "logistik"]
    trainings = (await http.get(f"{url}/trainings", headers=MAGELANG)).json()
    assert [(t["name"], t["hours"]) for t in trainings] == [
        ("Diklat Dapur Umum Lapangan", 32),
        ("LDP", 32),
    ]
    found = (await http.get("/volunteers?competency=ldp", headers=NATIONAL)).json()["items"]
    assert [v["id"] for v in found] == [person]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"held_on": str(datetime.now(UTC).date() + timedelta(days=2))}, 422, "training_in_future"),
        ({"hours": 0}, 422, None),
        ({"name": ""}, 422, None),
        ({"competencies": ["bukan kode"]}, 422, None),
    ],
)
async def test_a_bad_training_is_refused_with_what_was_wrong(
    registry: Service, change: dict[str, object], status: int, code: str | None
) -> None:
    http, _ = registry
    person = await enrol(http, region="33.71.01.1003", serial=2)
    response = await http.post(
        f"/volunteers/{person}/trainings", json=KITCHEN | change, headers=MAGELANG
    )
    assert response.status_code == status, response.text
    if code:
        assert response.json()["code"] == code


async def test_the_same_training_is_recorded_once(registry: Service) -> None:
    http, _ = registry
    person = await enrol(http, region="33.71.01.1003", serial=3)
    url = f"/volunteers/{person}/trainings"
    assert (await http.post(url, json=KITCHEN, headers=MAGELANG)).status_code == 201
    again = await http.post(
        url, json=KITCHEN | {"name": "diklat dapur umum lapangan"}, headers=MAGELANG
    )
    assert (again.status_code, again.json()["code"]) == (422, "duplicate_training")


async def test_an_operator_sets_the_competencies(registry: Service) -> None:
    http, runtime = registry
    person = await enrol(http, region="33.71.01.1003", serial=4)
    url = f"/volunteers/{person}/competencies"
    body = {"competencies": ["shelter", "evakuasi", "shelter"]}
    response = await http.put(url, json=body, headers=MAGELANG)
    assert (response.status_code, response.json()["competencies"]) == (200, ["evakuasi", "shelter"])
    cleared = await http.put(url, json={"competencies": []}, headers=MAGELANG)
    assert cleared.json()["competencies"] == []
    unchanged = await http.put(url, json={"competencies": []}, headers=MAGELANG)
    assert unchanged.status_code == 200
    announced = [b for s, b in await staged(runtime) if ".competencies_changed." in s]
    assert announced == [
        {"volunteer_id": person, "competencies": ["evakuasi", "shelter"]},
        {"volunteer_id": person, "competencies": []},
    ]
    outside = await http.put(url, json=body, headers=bearer(Role.PROVINCIAL_OPERATOR, "32"))
    assert outside.status_code == 403


async def test_a_psks_reads_its_own_record_and_trainings_only(registry: Service) -> None:
    http, _ = registry
    person = await enrol(http, region="33.71.01.1003", serial=5)
    other = await enrol(http, region="33.71.01.1003", serial=6)
    me = bearer(Role.PSKS, "33.71", subject=person)
    assert (await http.get(f"/volunteers/{person}", headers=me)).status_code == 200
    assert (await http.get(f"/volunteers/{person}/trainings", headers=me)).json() == []
    refused = await http.get(f"/volunteers/{other}", headers=me)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "Akses ditolak: ini bukan data Anda",
    )
    assert (
        await http.post(f"/volunteers/{person}/trainings", json=KITCHEN, headers=me)
    ).status_code == 403
