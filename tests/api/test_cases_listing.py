"""Cases API, the case list: an operator sees the cases of its region, filtered and paged."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx
import pytest

from pilar_kit.auth import Role
from tests.api.cases_harness import (
    AUDITOR,
    MAGELANG,
    NAME,
    NATIONAL,
    PHONE,
    SEMARANG,
    Service,
    case_body,
    cases,
    open_case,
    psks,
)
from tests.api.harness import bearer, make_nik

pytestmark = pytest.mark.integration
__all__ = ["cases"]
JAWA_TENGAH = bearer(Role.PROVINCIAL_OPERATOR, "33", subject="operator-jateng")
SEMARANG_VILLAGE = "33.74.01.1001"


async def _semarang_case(http: httpx.AsyncClient, serial: int) -> dict[str, Any]:
    body = case_body(region=SEMARANG_VILLAGE, nik=make_nik("33.74.01", serial))
    response = await http.post("/cases", json=body, headers=SEMARANG)
    assert response.status_code == 201, response.text
    opened: dict[str, Any] = response.json()
    return opened


async def _listed(
    http: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await http.get("/cases", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def _ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


async def test_each_operator_lists_the_cases_of_its_own_region(cases: Service) -> None:
    http, _ = cases
    magelang = await open_case(http, nik=make_nik("33.71.01", 21))
    semarang = await _semarang_case(http, 22)
    assert _ids(await _listed(http, MAGELANG)) == [magelang["id"]]
    assert _ids(await _listed(http, SEMARANG)) == [semarang["id"]]
    both = {magelang["id"], semarang["id"]}
    assert set(_ids(await _listed(http, JAWA_TENGAH))) == both
    assert set(_ids(await _listed(http, NATIONAL))) == both
    narrowed = await _listed(http, JAWA_TENGAH, region="33.74")
    assert _ids(narrowed) == [semarang["id"]]


async def test_a_region_beyond_the_callers_authority_is_refused(cases: Service) -> None:
    http, _ = cases
    await _semarang_case(http, 23)
    response = await http.get("/cases", params={"region": "33.74"}, headers=MAGELANG)
    assert response.status_code == 403
    assert "items" not in response.text


@pytest.mark.parametrize(
    ("headers", "status"),
    [(AUDITOR, 403), ({}, 401)],
    ids=["auditor", "anonymous"],
)
async def test_only_operators_list_cases(
    cases: Service, headers: dict[str, str], status: int
) -> None:
    http, _ = cases
    await open_case(http)
    response = await http.get("/cases", headers=headers)
    assert response.status_code == status
    assert "items" not in response.text


async def test_a_psks_cannot_list_cases(cases: Service) -> None:
    http, _ = cases
    await open_case(http)
    response = await http.get("/cases", headers=psks(uuid4()))
    assert response.status_code == 403


async def test_the_list_carries_no_personal_data(cases: Service) -> None:
    http, _ = cases
    case = await open_case(http)
    [item] = (await _listed(http, MAGELANG))["items"]
    assert item["id"] == case["id"]
    assert item["client_ref"] == case["client_ref"]
    text = str(item)
    assert NAME not in text
    assert PHONE not in text
    assert case_body()["nik"] not in text


async def test_filters_narrow_the_list(cases: Service) -> None:
    http, _ = cases
    elderly = await open_case(http, nik=make_nik("33.71.01", 31))
    child = await open_case(
        http, nik=make_nik("33.71.01", 32), pmks_category="PMKS-02", urgency="emergency"
    )
    closing = {"outcome": "pindah_domisili"}
    closed = await http.post(f"/cases/{elderly['id']}/close", json=closing, headers=MAGELANG)
    assert closed.status_code == 200, closed.text
    assert _ids(await _listed(http, MAGELANG, pmks_category="PMKS-02")) == [child["id"]]
    assert _ids(await _listed(http, MAGELANG, urgency="emergency")) == [child["id"]]
    assert _ids(await _listed(http, MAGELANG, status="open")) == [child["id"]]
    assert _ids(await _listed(http, MAGELANG, status="closed")) == [elderly["id"]]
    moved = await http.post(
        f"/cases/{child['id']}/stage", json={"stage": "asesmen"}, headers=MAGELANG
    )
    assert moved.status_code == 200, moved.text
    assert _ids(await _listed(http, MAGELANG, stage="asesmen")) == [child["id"]]
    assert _ids(await _listed(http, MAGELANG, stage="pendekatan_awal")) == [elderly["id"]]


async def test_pages_run_newest_first_and_end_without_a_cursor(cases: Service) -> None:
    http, _ = cases
    opened = [(await open_case(http, nik=make_nik("33.71.01", 40 + n)))["id"] for n in range(5)]
    first = await _listed(http, MAGELANG, limit=2)
    assert _ids(first) == opened[::-1][:2]
    second = await _listed(http, MAGELANG, limit=2, after=first["next_cursor"])
    assert _ids(second) == opened[::-1][2:4]
    last = await _listed(http, MAGELANG, limit=2, after=second["next_cursor"])
    assert _ids(last) == opened[:1]
    assert last["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"stage": "selesai"},
        {"status": "maybe"},
        {"pmks_category": "PMKS-99"},
        {"region": "33.7"},
        {"limit": 0},
        {"limit": 501},
        {"after": "not-a-uuid"},
    ],
)
async def test_bad_filters_get_a_clear_422(cases: Service, params: dict[str, Any]) -> None:
    http, _ = cases
    response = await http.get("/cases", params=params, headers=MAGELANG)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
