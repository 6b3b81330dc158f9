"""Authorisation matrix of the registry API: every route for every kind of caller.

The callers are those of ``tests/api/matrix.py``. Each cell acts on records of its own, so an
allowed call always finds them as it expects.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import pytest

from pilar_contracts import wrap
from pilar_contracts.events.cases import SOURCE, DisasterDeclared, DisasterPeriod
from pilar_contracts.events.fields import DisasterStatus
from pilar_kit.auth import AuthSettings, Role
from pilar_kit.consumer import Delivery
from pilar_kit.runtime import Runtime
from pilar_registry import handlers
from pilar_registry.app import create_app
from pilar_registry.settings import RegistrySettings
from tests.api.harness import CHECKER, REGISTRAR, SECRET, Service, bearer, make_nik
from tests.api.matrix import CALLERS, Operation, Records, answers, ok, served_routes

pytestmark = pytest.mark.integration
VILLAGE = "33.71.01.1003"
MAKER = bearer(Role.NATIONAL_OPERATOR, subject=REGISTRAR)
CHECKS = bearer(Role.NATIONAL_OPERATOR, subject=CHECKER)
SERIALS = itertools.count(1)


async def pending_volunteer(http: httpx.AsyncClient, _: Runtime) -> Records:
    serial = next(SERIALS)
    body = {
        "psks_type": "PSKS-03",
        "region": VILLAGE,
        "nik": make_nik("33.71.01", serial),
        "display_name": f"Relawan {serial}",
        "details": {"tier": "muda"},
    }
    created = await ok(await http.post("/volunteers", json=body, headers=MAKER))
    return Records(me=created["id"], ids={"volunteer": created["id"]})


async def volunteer(http: httpx.AsyncClient, runtime: Runtime) -> Records:
    records = await pending_volunteer(http, runtime)
    url = f"/volunteers/{records.me}"
    await ok(await http.post(f"{url}/verify", headers=CHECKS))
    number = f"TGN-{next(SERIALS)}"
    cert = {"scheme": "TAGANA", "certificate_no": number, "valid_from": "2026-01-01"}
    certified = await ok(await http.post(f"{url}/certifications", json=cert, headers=CHECKS))
    records.ids["certification"] = certified["id"]
    return records


async def pending_institution(http: httpx.AsyncClient, _: Runtime) -> Records:
    body = {
        "psks_type": "PSKS-04",
        "region": VILLAGE,
        "name": "LKS Matriks",
        "registration_no": f"LKS-{next(SERIALS)}",
        "contact_name": "Pengurus",
    }
    created = await ok(await http.post("/institutions", json=body, headers=MAKER))
    return Records(me=created["id"], ids={"institution": created["id"]})


async def institution(http: httpx.AsyncClient, runtime: Runtime) -> Records:
    records = await pending_institution(http, runtime)
    await ok(await http.post(f"/institutions/{records.me}/verify", headers=CHECKS))
    return records


async def deployment(http: httpx.AsyncClient, runtime: Runtime) -> Records:
    records = await volunteer(http, runtime)
    declared = DisasterDeclared(
        disaster_id=uuid4(),
        hazard="101",
        name="Banjir",
        status=DisasterStatus.TANGGAP_DARURAT,
        affected_regions=("33.71",),
        authority="wali_kota",
        decree_no="1/2026",
        period=DisasterPeriod(start=date(2026, 11, 22)),
    )
    message = wrap(declared, source=SOURCE, subject="disaster/x", region="33.71")
    delivery = Delivery(message.envelope, message.nats_subject, num_delivered=1)
    async with runtime.transaction() as session:
        await handlers.on_disaster_declared(declared, delivery, session)
    listing = f"/disasters/{declared.disaster_id}/deployments?limit=1000"
    sent = (await ok(await http.get(listing, headers=CHECKS)))["items"]
    mine = [d["id"] for d in sent if d["volunteer_id"] == records.me]
    assert len(mine) == 1
    records.ids |= {"disaster": str(declared.disaster_id), "deployment": mine[0]}
    return records


async def nothing(_http: httpx.AsyncClient, _: Runtime) -> Records:
    return Records()


def new_person(_: Records) -> dict[str, Any]:
    serial = next(SERIALS)
    nik = make_nik("33.71.02", serial)
    return {"psks_type": "PSKS-02", "region": VILLAGE, "nik": nik, "display_name": "Baru"}


def new_institution(_: Records) -> dict[str, Any]:
    return {
        "psks_type": "PSKS-06",
        "region": VILLAGE,
        "name": f"LK3 {next(SERIALS)}",
        "contact_name": "Pengurus",
    }


TRAINING = {"name": "Diklat", "organiser": "Kemensos", "held_on": "2026-01-05", "hours": 8}
ACCREDITATION = {"grade": "B", "valid_from": "2026-01-01"}


@dataclass(frozen=True)
class Route(Operation):
    """An operation and whether the PSKS the record is about may call it."""

    self_may: bool = False


ROUTES = [
    Route("POST", "/volunteers", nothing, 201, new_person),
    Route("GET", "/volunteers?region=33.71", nothing),
    Route("GET", "/volunteers/{volunteer_id}", volunteer, self_may=True),
    Route("POST", "/volunteers/{volunteer_id}/verify", pending_volunteer),
    Route(
        "PUT", "/volunteers/{volunteer_id}/status", volunteer, body=lambda _: {"status": "on_leave"}
    ),
    Route(
        "POST",
        "/volunteers/{volunteer_id}/certifications",
        volunteer,
        201,
        lambda _: {
            "scheme": "PSM",
            "certificate_no": f"P-{next(SERIALS)}",
            "valid_from": "2026-01-01",
        },
    ),
    Route(
        "POST",
        "/volunteers/{volunteer_id}/certifications/{certification_id}/revoke",
        volunteer,
        body=lambda _: {"reason_code": "pelanggaran"},
    ),
    Route("POST", "/volunteers/{volunteer_id}/trainings", volunteer, 201, lambda _: TRAINING),
    Route("GET", "/volunteers/{volunteer_id}/trainings", volunteer, self_may=True),
    Route(
        "PUT",
        "/volunteers/{volunteer_id}/competencies",
        volunteer,
        body=lambda _: {"competencies": ["shelter"]},
    ),
    Route("PUT", "/volunteers/{volunteer_id}/capacity", volunteer, body=lambda _: {"capacity": 3}),
    Route("POST", "/institutions", nothing, 201, new_institution),
    Route("GET", "/institutions?region=33.71", nothing),
    Route("GET", "/institutions/{institution_id}", institution, self_may=True),
    Route("PATCH", "/institutions/{institution_id}", institution, body=lambda _: {"capacity": 9}),
    Route("POST", "/institutions/{institution_id}/verify", pending_institution),
    Route(
        "POST",
        "/institutions/{institution_id}/accreditations",
        institution,
        201,
        lambda _: ACCREDITATION | {"accreditation_no": f"BALKS-{next(SERIALS)}"},
    ),
    Route("GET", "/disasters/{disaster_id}/deployments", deployment),
    Route("GET", "/deployments/{deployment_id}", deployment, self_may=True),
    Route("POST", "/deployments/{deployment_id}/acknowledge", deployment, self_may=True),
    Route("POST", "/deployments/{deployment_id}/decline", deployment, self_may=True),
]


def expected(route: Route, caller: str) -> int:
    """What the route answers the caller, about a record of 33.71."""
    if caller == "anonymous":
        return 401
    if caller == "psks_self" and route.self_may:
        return route.ok
    if caller in ("national", "provincial_in", "regency_in"):
        return route.ok
    return 403


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
async def test_who_may_call_the_route(registry: Service, route: Route) -> None:
    http, runtime = registry
    found = await answers(http, runtime, route, lambda _, response: response.status_code)
    assert found == {caller: expected(route, caller) for caller in CALLERS}


def test_the_matrix_covers_every_route_of_the_api() -> None:
    app = create_app(RegistrySettings(auth=AuthSettings(jwt_secret=SECRET)))
    assert served_routes(app) == {route.name for route in ROUTES}
