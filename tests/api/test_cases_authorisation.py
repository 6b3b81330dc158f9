"""Authorisation matrix of the cases API: every route for every kind of caller.

The callers are those of ``tests/api/matrix.py``; ``me`` is the PSKS a referral is addressed to.
Each cell acts on records of its own, made in Kota Magelang (33.71). A list answers an operator
outside the region with 200 but without the record ("hidden").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest

from pilar_cases.app import create_app
from pilar_cases.settings import CasesSettings
from pilar_kit.auth import AuthSettings, Role
from pilar_kit.runtime import Runtime
from tests.api.cases_harness import (
    MAGELANG,
    VILLAGE,
    Service,
    case_body,
    cases,
    certified_pillar,
)
from tests.api.harness import SECRET, bearer, make_nik
from tests.api.matrix import (
    CALLERS,
    IN_REGION,
    OUT_OF_REGION,
    Operation,
    Records,
    answers,
    ok,
    served_routes,
)

pytestmark = pytest.mark.integration
__all__ = ["cases"]
SERIALS = itertools.count(100)
REASON = "verifikasi data oleh pekerja sosial"


def _new_case_body(_: Records | None = None) -> dict[str, Any]:
    return case_body(nik=make_nik("33.71.01", next(SERIALS)))


async def nothing(_http: httpx.AsyncClient, _: Runtime) -> Records:
    return Records()


async def case(http: httpx.AsyncClient, _: Runtime) -> Records:
    opened = await ok(await http.post("/cases", json=_new_case_body(), headers=MAGELANG))
    return Records(ids={"case": opened["id"], "client_ref": opened["client_ref"]})


async def referable(http: httpx.AsyncClient, runtime: Runtime) -> Records:
    records = await case(http, runtime)
    await certified_pillar(runtime, VILLAGE)
    return records


async def referral(http: httpx.AsyncClient, runtime: Runtime) -> Records:
    records = await case(http, runtime)
    await certified_pillar(runtime, VILLAGE)  # a free pillar for every cell
    url = f"/cases/{records.ids['case']}/referrals"
    sent = await ok(await http.post(url, json={}, headers=MAGELANG))
    records.me = sent["to_id"]  # the PSKS the referral is addressed to
    records.ids["referral"] = sent["id"]
    return records


async def accepted(http: httpx.AsyncClient, runtime: Runtime) -> Records:
    records = await referral(http, runtime)
    url = f"/referrals/{records.ids['referral']}/accept"
    await ok(await http.post(url, headers=bearer(Role.PSKS, "33.71", subject=records.me)))
    return records


def flood(_: Records | None = None) -> dict[str, Any]:
    return {
        "hazard": "101",
        "name": "Banjir Kota Magelang",
        "status": "siaga_darurat",
        "affected_regions": ["33.71.01"],
        "authority": "wali_kota",
        "decree_no": f"360/{next(SERIALS)}/2026",
        "period": {"start": "2026-11-22"},
    }


async def disaster(http: httpx.AsyncClient, _: Runtime) -> Records:
    declared = await ok(await http.post("/disasters", json=flood(), headers=MAGELANG))
    return Records(ids={"disaster": declared["id"]})


def victims(_: Records) -> list[dict[str, Any]]:
    nik = make_nik("33.71.01", next(SERIALS))
    return [{"nik": nik, "display_name": "Korban", "region": VILLAGE, "consent": "given"}]


@dataclass(frozen=True)
class Route(Operation):
    """An operation and who may call it."""

    callers: str = (
        "operators"  # operators (of the region) | all_operators | psks | addressee | auditor
    )
    lists: str | None = None  # for a list: the record id its body must (not) hold
    outside: str = "403"  # what an operator beyond the record's region hears


ROUTES = [
    Route("POST", "/cases", nothing, 201, _new_case_body),
    Route("GET", "/cases?region=33.71", case),
    Route("GET", "/cases/{case_id}", case),
    Route("GET", "/cases/{case_id}?reason=" + REASON, case),
    Route("POST", "/cases/{case_id}/stage", case, body=lambda _: {"stage": "asesmen"}),
    Route(
        "POST",
        "/cases/{case_id}/assessment",
        case,
        body=lambda _: {"needs": ["pendampingan_lansia"], "risk_level": "sedang"},
    ),
    Route("POST", "/cases/{case_id}/consent", case, body=lambda _: {"status": "withdrawn"}),
    Route("POST", "/cases/{case_id}/close", case, body=lambda _: {"outcome": "pindah_domisili"}),
    Route("POST", "/cases/{case_id}/referrals", referable, 201, lambda _: {}),
    Route("GET", "/referrals", referral, callers="psks", lists="referral"),
    Route("POST", "/referrals/{referral_id}/accept", referral, callers="addressee"),
    Route(
        "POST",
        "/referrals/{referral_id}/decline",
        referral,
        body=lambda _: {"reason_code": "kapasitas_penuh"},
        callers="addressee",
    ),
    Route(
        "POST",
        "/referrals/{referral_id}/complete",
        accepted,
        body=lambda _: {"outcome": "terlayani", "quality": 4},
    ),
    # Beyond its region an operator is not told whether the client has cases at all.
    Route(
        "DELETE",
        "/clients/{client_ref_id}/personal-data?reason=" + REASON,
        case,
        204,
        outside="404",
    ),
    Route("POST", "/disasters", nothing, 201, flood),
    Route(
        "POST",
        "/disasters/{disaster_id}/status",
        disaster,
        body=lambda _: {
            "to_status": "tanggap_darurat",
            "decree_no": "1/2026",
            "start": "2026-11-25",
        },
    ),
    Route("GET", "/disasters", disaster, callers="all_operators", lists="disaster"),
    Route("GET", "/disasters/{disaster_id}", disaster),
    Route("POST", "/disasters/{disaster_id}/victims", disaster, body=victims),
    Route("GET", "/earthquakes", nothing, callers="all_operators"),
    Route("GET", "/pillars", referral, callers="all_operators", lists="me"),
    Route("GET", "/audit", case, callers="auditor"),
]


def expected(route: Route, caller: str) -> str:
    """What the route answers the caller, about a record of 33.71."""
    if caller == "anonymous":
        return "401"
    allowed = {
        "operators": IN_REGION,
        "all_operators": IN_REGION + OUT_OF_REGION,
        "psks": ("psks_self", "psks_other"),
        "addressee": ("psks_self",),
        "auditor": ("auditor",),
    }[route.callers]
    if caller in OUT_OF_REGION and caller not in allowed:
        return route.outside
    if caller not in allowed:
        return "403"
    if route.lists is None:
        return str(route.ok)
    return "seen" if caller in (*IN_REGION, "psks_self") else "hidden"


def _answer(route: Route, records: Records, response: httpx.Response) -> str:
    if route.lists is None or response.status_code != 200:
        return str(response.status_code)
    wanted = records.me if route.lists == "me" else records.ids[route.lists]
    return "seen" if wanted in response.text else "hidden"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.path.split("?")[0] + f" {r.method}")
async def test_who_may_call_the_route(cases: Service, route: Route) -> None:
    http, runtime = cases
    found = await answers(http, runtime, route, partial(_answer, route))
    assert found == {caller: expected(route, caller) for caller in CALLERS}


def test_the_matrix_covers_every_route_of_the_api() -> None:
    app = create_app(CasesSettings(auth=AuthSettings(jwt_secret=SECRET)))
    named = {route.name.replace("client_ref_id", "client_ref") for route in ROUTES}
    assert served_routes(app) == named
