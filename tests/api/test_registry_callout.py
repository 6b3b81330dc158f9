"""Tagana call-out through the registry: declarations in, deployments and events out, answers."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from sqlalchemy import func, select

from pilar_contracts import Event, wrap
from pilar_contracts.events.cases import (
    SOURCE,
    DisasterDeclared,
    DisasterPeriod,
    DisasterStatusChanged,
)
from pilar_contracts.events.fields import DisasterStatus
from pilar_kit.auth import Role
from pilar_kit.consumer import Delivery
from pilar_kit.natsserver import NatsServer
from pilar_kit.runtime import Runtime
from pilar_registry import handlers
from pilar_registry.settings import RegistrySettings
from pilar_registry.store import DeploymentRow, inbox
from tests.api.harness import Service, bearer, enrol, staged

pytestmark = pytest.mark.integration
NATIONAL = bearer(Role.NATIONAL_OPERATOR)
MAGELANG = bearer(Role.REGENCY_OPERATOR, "33.71")
BANDUNG_OPERATOR = bearer(Role.REGENCY_OPERATOR, "32.04")
DEPLOYED = "pilar.registry.deployment.deployed.v1"
MOBILIZED = "pilar.registry.disaster.volunteers_mobilized.v1"
MAGELANG_VILLAGES = ("33.71.01.1003", "33.71.02.1003", "33.71.03.1001")
SEMARANG_VILLAGE = "33.74.01.1001"


@pytest.fixture
def registry_settings(registry_settings: RegistrySettings) -> RegistrySettings:
    """A call-out here wants at least 2 Tagana nearby before it widens to the province."""
    return registry_settings.model_copy(update={"callout_minimum": 2})


def declaration(
    disaster_id: UUID, status: DisasterStatus, regions: tuple[str, ...] = ("33.71",)
) -> DisasterDeclared:
    return DisasterDeclared(
        disaster_id=disaster_id,
        hazard="101",
        name="Banjir Kota Magelang",
        status=status,
        affected_regions=regions,
        authority="wali_kota",
        decree_no="360/112/2026",
        period=DisasterPeriod(start=date(2026, 11, 22)),
    )


def delivered(event: Event) -> Delivery:
    """How the consumer hands a fresh event of cases to a handler."""
    message = wrap(event, source=SOURCE, subject="disaster/x", region="33.71")
    return Delivery(message.envelope, message.nats_subject, num_delivered=1)


async def declare(runtime: Runtime, event: DisasterDeclared) -> None:
    async with runtime.transaction() as session:
        await handlers.on_disaster_declared(event, delivered(event), session)


async def change(runtime: Runtime, disaster_id: UUID, to: DisasterStatus) -> None:
    event = DisasterStatusChanged(
        disaster_id=disaster_id, from_status=DisasterStatus.SIAGA_DARURAT, to_status=to
    )
    async with runtime.transaction() as session:
        await handlers.on_disaster_status_changed(event, delivered(event), session)


async def staged_of(runtime: Runtime, kind: str) -> list[dict[str, Any]]:
    return [body for subject, body in await staged(runtime) if subject.startswith(kind)]


async def deployments(http: httpx.AsyncClient, disaster_id: UUID) -> list[dict[str, Any]]:
    response = await http.get(f"/disasters/{disaster_id}/deployments", headers=NATIONAL)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def tagana(http: httpx.AsyncClient, region: str, serial: int, certified: bool = True) -> str:
    certificate_no = f"TGN-{serial}" if certified else None
    return await enrol(http, region=region, serial=serial, certificate_no=certificate_no)


async def test_a_response_declaration_deploys_nearby_tagana_once(registry: Service) -> None:
    http, runtime = registry
    nearby = [await tagana(http, village, n) for n, village in enumerate(MAGELANG_VILLAGES, 1)]
    await tagana(http, "33.71.01.1007", 4, certified=False)
    await tagana(http, SEMARANG_VILLAGE, 5)
    flood = declaration(uuid4(), DisasterStatus.TANGGAP_DARURAT)
    await declare(runtime, flood)

    sent = await deployments(http, flood.disaster_id)
    assert sorted(d["volunteer_id"] for d in sent) == sorted(nearby)
    assert {d["report_to_region"] for d in sent} == {"33.71"}
    assert len({d["task"] for d in sent}) == 3  # three people, three different tasks
    announced = await staged_of(runtime, DEPLOYED)
    assert sorted(e["volunteer_id"] for e in announced) == sorted(nearby)
    mobilized = await staged_of(runtime, MOBILIZED)
    assert [(m["volunteer_count"], m["by_regency"]) for m in mobilized] == [(3, {"33.71": 3})]
    assert "Relawan" not in json.dumps([*announced, *mobilized])

    await declare(runtime, flood)  # the same declaration again, under a new event id
    await change(runtime, flood.disaster_id, DisasterStatus.TANGGAP_DARURAT)
    assert len(await deployments(http, flood.disaster_id)) == 3
    assert len(await staged_of(runtime, DEPLOYED)) == 3
    assert len(await staged_of(runtime, MOBILIZED)) == 1


async def test_siaga_is_remembered_and_tanggap_darurat_calls_out_once(registry: Service) -> None:
    http, runtime = registry
    nearby = [await tagana(http, village, n) for n, village in enumerate(MAGELANG_VILLAGES, 1)]
    alert = declaration(uuid4(), DisasterStatus.SIAGA_DARURAT)
    await declare(runtime, alert)
    assert await deployments(http, alert.disaster_id) == []
    assert await staged_of(runtime, MOBILIZED) == []

    await change(runtime, alert.disaster_id, DisasterStatus.TANGGAP_DARURAT)
    await change(runtime, alert.disaster_id, DisasterStatus.TANGGAP_DARURAT)
    await declare(runtime, alert)  # a late redelivery of the alert changes nothing
    sent = await deployments(http, alert.disaster_id)
    assert sorted(d["volunteer_id"] for d in sent) == sorted(nearby)
    assert len(await staged_of(runtime, MOBILIZED)) == 1


async def test_too_few_nearby_widens_to_the_province(registry: Service) -> None:
    http, runtime = registry
    near = await tagana(http, MAGELANG_VILLAGES[0], 1)
    far = await tagana(http, SEMARANG_VILLAGE, 2)
    await tagana(http, "32.04.05.2001", 3)  # another province: never called
    flood = declaration(uuid4(), DisasterStatus.TANGGAP_DARURAT)
    await declare(runtime, flood)
    sent = {d["volunteer_id"]: d for d in await deployments(http, flood.disaster_id)}
    assert set(sent) == {near, far}
    assert sent[far]["report_to_region"] == "33.71"
    [mobilized] = await staged_of(runtime, MOBILIZED)
    assert mobilized["by_regency"] == {"33.71": 1, "33.74": 1}


async def _called_out(http: httpx.AsyncClient, runtime: Runtime) -> tuple[UUID, list[str], str]:
    """Two Magelang Tagana deployed, one in Semarang in reserve."""
    nearby = [await tagana(http, village, n) for n, village in enumerate(MAGELANG_VILLAGES[:2], 1)]
    reserve = await tagana(http, SEMARANG_VILLAGE, 3)
    flood = declaration(uuid4(), DisasterStatus.TANGGAP_DARURAT)
    await declare(runtime, flood)
    return flood.disaster_id, nearby, reserve


async def test_acknowledge_and_decline_with_a_replacement(registry: Service) -> None:
    http, runtime = registry
    disaster_id, (first, second), reserve = await _called_out(http, runtime)
    by_volunteer = {d["volunteer_id"]: d for d in await deployments(http, disaster_id)}
    mine = f"/deployments/{by_volunteer[first]['id']}"
    psks = bearer(Role.PSKS, "33.71", subject=first)
    assert (await http.get(mine, headers=psks)).json()["status"] == "deployed"
    acknowledged = await http.post(f"{mine}/acknowledge", headers=psks)
    assert acknowledged.json()["status"] == "acknowledged", acknowledged.text
    again = await http.post(f"{mine}/decline", headers=psks)
    assert (again.status_code, again.json()["code"]) == (409, "already_answered")

    theirs = by_volunteer[second]
    url = f"/deployments/{theirs['id']}/decline"
    declined = await http.post(url, json={"reason_code": "sakit"}, headers=MAGELANG)
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["reason_code"]) == ("replaced", "sakit")
    successor = await http.get(f"/deployments/{declined.json()['replaced_by']}", headers=NATIONAL)
    assert successor.json()["volunteer_id"] == reserve
    assert successor.json()["task"] == theirs["task"]
    assert successor.json()["replaces"] == theirs["id"]
    assert len(await deployments(http, disaster_id)) == 3
    assert [e["volunteer_id"] for e in await staged_of(runtime, DEPLOYED)][-1] == reserve
    assert len(await staged_of(runtime, "pilar.registry.deployment.acknowledged.v1")) == 1
    assert len(await staged_of(runtime, "pilar.registry.deployment.declined.v1")) == 1


async def test_a_decline_with_nobody_left_stays_declined(registry: Service) -> None:
    http, runtime = registry
    disaster_id, _, reserve = await _called_out(http, runtime)
    sent = {d["volunteer_id"]: d["id"] for d in await deployments(http, disaster_id)}
    replaced = await http.post(
        f"/deployments/{next(iter(sent.values()))}/decline", headers=NATIONAL
    )
    assert replaced.json()["status"] == "replaced"
    psks = bearer(Role.PSKS, "33.74", subject=reserve)
    last = await http.post(f"/deployments/{replaced.json()['replaced_by']}/decline", headers=psks)
    assert (last.json()["status"], last.json()["replaced_by"]) == ("declined", None)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (bearer(Role.PSKS, "33.71", subject=str(uuid4())), 403),
        (bearer(Role.PSKS, "33.71", subject="not-a-volunteer"), 403),
        (BANDUNG_OPERATOR, 403),
        (bearer(Role.PROVINCIAL_OPERATOR, "32"), 403),
        (bearer(Role.AUDITOR), 403),
        (bearer(Role.PROVINCIAL_OPERATOR, "33"), 200),
        (MAGELANG, 200),
    ],
)
async def test_who_may_answer_a_deployment(
    registry: Service, who: dict[str, str], status: int
) -> None:
    http, runtime = registry
    disaster_id, _, _ = await _called_out(http, runtime)
    deployment_id = (await deployments(http, disaster_id))[0]["id"]
    response = await http.post(f"/deployments/{deployment_id}/acknowledge", headers=who)
    assert response.status_code == status, response.text


async def test_bad_requests_get_clear_answers(registry: Service) -> None:
    http, runtime = registry
    disaster_id, _, _ = await _called_out(http, runtime)
    deployment_id = (await deployments(http, disaster_id))[0]["id"]
    decline = f"/deployments/{deployment_id}/decline"
    unknown = await http.post(f"/deployments/{uuid4()}/acknowledge", headers=NATIONAL)
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "Pengerahan tidak ditemukan")
    bad_reason = await http.post(decline, json={"reason_code": "Sakit!"}, headers=MAGELANG)
    assert bad_reason.status_code == 422
    assert bad_reason.json()["detail"][0]["loc"][-1] == "reason_code"
    typo = await http.post(decline, json={"reason": "sakit"}, headers=MAGELANG)
    assert typo.status_code == 422
    assert (await http.post("/deployments/not-an-id/decline", headers=MAGELANG)).status_code == 422
    listing = f"/disasters/{disaster_id}/deployments"
    assert (await http.get(listing, headers=BANDUNG_OPERATOR)).status_code == 403
    psks = bearer(Role.PSKS, "33.71", subject=str(uuid4()))
    assert (await http.get(listing, headers=psks)).status_code == 403
    nowhere = await http.get(f"/disasters/{uuid4()}/deployments", headers=NATIONAL)
    assert (nowhere.status_code, nowhere.json()["detail"]) == (
        404,
        "Bencana tidak dikenal oleh registri",
    )
    semarang = bearer(Role.REGENCY_OPERATOR, "33.74")
    assert (await http.get(listing, headers=semarang)).json()["items"] == []  # none of theirs


async def test_declarations_over_nats_call_out_once(
    registry: Service, nats_server: NatsServer
) -> None:
    http, runtime = registry
    for n, village in enumerate(MAGELANG_VILLAGES, 1):
        await tagana(http, village, n)
    flood = declaration(uuid4(), DisasterStatus.TANGGAP_DARURAT)
    first, second = (wrap(flood, source=SOURCE, subject="disaster/x", region="33.71") for _ in "12")
    assert runtime.nc is not None
    js = runtime.nc.jetstream()
    for message in (first, first, second):  # a duplicated publish, then a duplicated declaration
        await js.publish(message.nats_subject, message.body, headers=message.envelope.headers())

    async def applied() -> int:
        async with runtime.transaction() as session:
            inbox_rows = await session.scalar(select(func.count()).select_from(inbox))
        return int(inbox_rows or 0)

    deadline = time.monotonic() + 20
    while await applied() < 2:
        assert time.monotonic() < deadline, "the declarations were not consumed"
        await asyncio.sleep(0.1)
    async with runtime.transaction() as session:
        count = await session.scalar(select(func.count()).select_from(DeploymentRow))
    assert count == 3
    assert len(await staged_of(runtime, MOBILIZED)) == 1
