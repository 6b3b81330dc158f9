"""Cases API, disaster declarations: authority by region, forward-only status, the contract."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from pilar_contracts.events.cases import DisasterDeclared, DisasterStatusChanged
from pilar_kit.auth import Role
from pilar_registry.settings import RegistrySettings
from tests.api.cases_harness import (
    MAGELANG,
    NATIONAL,
    SEMARANG,
    Service,
    cases,
    psks,
    staged,
)
from tests.api.harness import bearer, enrol

pytestmark = pytest.mark.integration
__all__ = ["cases"]
JATENG = bearer(Role.PROVINCIAL_OPERATOR, "33", subject="operator-jateng")
A_PSKS = psks(UUID("0193f3a0-0000-7000-8000-000000000001"))


def flood(**changes: Any) -> dict[str, Any]:
    """The wali kota of Magelang declares a flood emergency for two districts."""
    body = {
        "hazard": "101",
        "name": "Banjir Kota Magelang",
        "status": "siaga_darurat",
        "affected_regions": ["33.71.01", "33.71.02"],
        "authority": "wali_kota",
        "decree_no": "360/112/2026",
        "period": {"start": "2026-11-22", "end": "2026-12-05"},
    }
    return body | changes


async def declare(
    http: httpx.AsyncClient, headers: dict[str, str] = MAGELANG, **changes: Any
) -> dict[str, Any]:
    response = await http.post("/disasters", json=flood(**changes), headers=headers)
    assert response.status_code == 201, response.text
    declared: dict[str, Any] = response.json()
    return declared


def step(to: str, decree: str = "360/120/2026") -> dict[str, str]:
    return {"to_status": to, "decree_no": decree, "start": "2026-11-25"}


async def test_a_regency_declaration_is_announced_exactly_as_the_contract_says(
    cases: Service,
) -> None:
    http, runtime = cases
    disaster = await declare(http)
    assert (disaster["authority_region"], disaster["hazard_name"]) == ("33.71", "Banjir")
    [(subject, headers, body)] = await staged(runtime)
    assert subject == "pilar.cases.disaster.declared.v1.33.71"
    assert headers["ce-subject"] == f"disaster/{disaster['id']}"
    event = DisasterDeclared.model_validate(body)
    assert body == {
        "disaster_id": disaster["id"],
        "hazard": "101",
        "name": "Banjir Kota Magelang",
        "status": "siaga_darurat",
        "affected_regions": ["33.71.01", "33.71.02"],
        "authority": "wali_kota",
        "decree_no": "360/112/2026",
        "period": {"start": "2026-11-22", "end": "2026-12-05"},
    }
    assert str(event.disaster_id) == disaster["id"]


async def test_status_moves_forward_to_closed_and_never_back(cases: Service) -> None:
    http, runtime = cases
    disaster = await declare(http)
    url = f"/disasters/{disaster['id']}/status"
    for to in ("tanggap_darurat", "transisi_darurat"):
        moved = await http.post(url, json=step(to), headers=MAGELANG)
        assert (moved.status_code, moved.json()["status"]) == (200, to), moved.text
    back = await http.post(url, json=step("tanggap_darurat"), headers=MAGELANG)
    assert back.status_code == 409
    assert back.json()["code"] == "status_not_allowed"
    assert (
        back.json()["detail"]
        == "Status transisi_darurat tidak dapat berubah menjadi tanggap_darurat"
    )
    assert back.json()["allowed"] == ["closed"]
    closed = await http.post(url, json=step("closed"), headers=MAGELANG)
    assert closed.json()["status"] == "closed"
    after = await http.post(url, json=step("closed"), headers=MAGELANG)
    assert (after.status_code, after.json()["code"]) == (409, "disaster_closed")
    changes = [body for s, _, body in await staged(runtime) if ".status_changed." in s]
    assert [(c["from_status"], c["to_status"]) for c in changes] == [
        ("siaga_darurat", "tanggap_darurat"),
        ("tanggap_darurat", "transisi_darurat"),
        ("transisi_darurat", "closed"),
    ]
    for body in changes:
        assert str(DisasterStatusChanged.model_validate(body).disaster_id) == disaster["id"]


async def test_each_operator_declares_only_for_its_own_authority(cases: Service) -> None:
    http, runtime = cases
    province_wide = {"authority": "gubernur", "affected_regions": ["33.71", "33.74"]}
    beyond = await http.post("/disasters", json=flood(**province_wide), headers=MAGELANG)
    assert beyond.status_code == 403
    elsewhere = await http.post("/disasters", json=flood(), headers=SEMARANG)
    assert elsewhere.status_code == 403
    national = {"authority": "presiden", "affected_regions": ["33", "34"]}
    assert (
        await http.post("/disasters", json=flood(**national), headers=JATENG)
    ).status_code == 403
    assert (await http.post("/disasters", json=flood(), headers=A_PSKS)).status_code == 403
    declared = await declare(http, JATENG, **province_wide)
    assert declared["authority_region"] == "33"
    by_nation = await declare(http, NATIONAL, **national)
    assert by_nation["authority_region"] == ""
    subjects = [s for s, _, _ in await staged(runtime)]
    assert subjects == [
        "pilar.cases.disaster.declared.v1.33.00",
        "pilar.cases.disaster.declared.v1.00.00",
    ]
    url = f"/disasters/{declared['id']}/status"
    assert (await http.post(url, json=step("tanggap_darurat"), headers=MAGELANG)).status_code == 403


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"hazard": "123"}, "hazard_unknown"),
        ({"hazard": "111"}, "hazard_legacy"),
        ({"status": "transisi_darurat"}, "status_not_initial"),
        ({"affected_regions": ["33.71.99"]}, "region_unknown"),
        ({"authority": "bupati"}, "authority_mismatch"),
        ({"affected_regions": ["33.71", "33.74"]}, "jurisdiction_mismatch"),
        ({"period": {"start": "2026-11-22", "end": "2026-11-01"}}, "period_invalid"),
    ],
)
async def test_a_bad_declaration_is_422_with_its_findings_and_nothing_announced(
    cases: Service, changes: dict[str, Any], code: str
) -> None:
    http, runtime = cases
    response = await http.post("/disasters", json=flood(**changes), headers=MAGELANG)
    assert response.status_code == 422, response.text
    assert code in [f["code"] for f in response.json()["findings"]]
    assert await staged(runtime) == []


async def test_operators_list_the_disasters_that_touch_their_region(cases: Service) -> None:
    http, _ = cases
    magelang = await declare(http)
    province = await declare(
        http, JATENG, authority="gubernur", affected_regions=["33"], name="Kekeringan Jawa Tengah"
    )
    mine = await http.get("/disasters", headers=MAGELANG)
    assert [d["id"] for d in mine.json()] == [province["id"], magelang["id"]]
    theirs = await http.get("/disasters", headers=SEMARANG)
    assert [d["id"] for d in theirs.json()] == [province["id"]]
    hidden = await http.get(f"/disasters/{magelang['id']}", headers=SEMARANG)
    assert hidden.status_code == 403
    seen = await http.get(f"/disasters/{province['id']}", headers=SEMARANG)
    assert seen.json()["affected_regions"] == ["33"]


@pytest.fixture
def registry_settings(registry_settings: RegistrySettings, tmp_path: Path) -> RegistrySettings:
    """The registry beside cases, on a database of its own."""
    own = tmp_path / "registry"
    own.mkdir()
    return registry_settings.model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{own}/registry.db", "data_dir": own}
    )


async def test_the_registry_calls_tagana_out_on_a_declaration_from_cases(
    cases: Service, registry: Service
) -> None:
    http, _ = cases
    registry_http, _ = registry
    volunteer = await enrol(
        registry_http, region="33.71.01.1003", serial=41, certificate_no="TGN-33-41"
    )
    disaster = await declare(http, status="tanggap_darurat")
    sent = await _deployments(registry_http, disaster["id"])
    assert [d["volunteer_id"] for d in sent] == [volunteer]


async def _deployments(http: httpx.AsyncClient, disaster_id: str) -> list[dict[str, Any]]:
    """Wait (with a deadline) until the registry has deployed someone for the disaster."""
    async with asyncio.timeout(60):
        while True:
            response = await http.get(f"/disasters/{disaster_id}/deployments", headers=NATIONAL)
            items: list[dict[str, Any]] = response.json().get("items", [])
            if items:
                return items
            await asyncio.sleep(0.2)
