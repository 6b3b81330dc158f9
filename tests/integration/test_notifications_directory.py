"""Operators' contacts over the directory API, disaster alerts to them, and escalations.

Real nats-server, real local SMS gateway and SMTP server, SQLite and PostgreSQL.
"""

from __future__ import annotations

import email
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from pilar_contracts.events.cases import DisasterDeclared, DisasterPeriod
from pilar_contracts.events.fields import DisasterStatus
from pilar_contracts.events.registry import CertificationExpired
from pilar_kit.auth import Role
from pilar_kit.mailcatcher import MailCatcher
from pilar_kit.natsserver import NatsServer
from pilar_notifications.app import create_app
from pilar_notifications.directory import person_id
from tests.api.harness import bearer, serving
from tests.integration.test_notifications_gateway import (
    Gateway,
    contact,
    eventually,
    gateway,
    mail,
    publish,
    settings,
)

__all__ = ["gateway", "mail"]  # fixtures shared with the gateway tests

REGENCY = {"role": Role.REGENCY_OPERATOR, "region": "33.71", "subject": "op-magelang"}
NEIGHBOUR = {"role": Role.REGENCY_OPERATOR, "region": "33.72", "subject": "op-neighbour"}
PROVINCE = {"role": Role.PROVINCIAL_OPERATOR, "region": "33", "subject": "op-jateng"}
NATIONAL = {"role": Role.NATIONAL_OPERATOR, "region": "", "subject": "op-pusat"}


def as_(who: dict[str, Any]) -> dict[str, str]:
    """The bearer header of an operator."""
    return bearer(who["role"], who["region"], who["subject"])


async def register(http: httpx.AsyncClient, who: dict[str, Any], **contact: object) -> None:
    """An operator registers their duty contact."""
    body = {"display_name": f"Operator {who['subject']}"} | contact
    r = await http.put("/directory/operators/me", json=body, headers=as_(who))
    assert r.status_code == 200, r.text


def mailed(catcher: MailCatcher) -> dict[str, list[str]]:
    """Subjects of the caught e-mails by recipient address."""
    found: dict[str, list[str]] = {}
    for path in catcher.folder.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        found.setdefault(str(message["To"]), []).append(str(message["Subject"]))
    return found


async def test_operators_keep_their_contact_and_see_their_region_only(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    config = settings(database_url, nats_server.url, tmp_path, 9, 9)
    async with serving(create_app, config) as (http, _runtime):
        await register(http, REGENCY, email="dinsos@magelangkota.go.id", phone="+6281100000001")
        await register(http, NEIGHBOUR, whatsapp="+6281100000002", preferred_channels=["whatsapp"])
        await register(http, PROVINCE, email="dinsos@jatengprov.go.id")
        mine = (await http.get("/directory/operators/me", headers=as_(REGENCY))).json()
        seen_by_province = await http.get("/directory/operators", headers=as_(PROVINCE))
        seen_by_regency = await http.get("/directory/operators", headers=as_(REGENCY))
        outside = await http.get("/directory/operators?region=35", headers=as_(PROVINCE))
        psks = await http.put(
            "/directory/operators/me",
            json={"display_name": "X", "email": "x@example.org"},
            headers=bearer(Role.PSKS, "33.71", str(uuid4())),
        )
        nothing = await http.put(
            "/directory/operators/me", json={"display_name": "X"}, headers=as_(NATIONAL)
        )
        removed = await http.delete("/directory/operators/me", headers=as_(NEIGHBOUR))
        after = await http.get("/directory/operators", headers=as_(PROVINCE))
        gone = await http.get("/directory/operators/me", headers=as_(NEIGHBOUR))

    assert mine["id"] == str(person_id("op-magelang"))
    assert mine["region"] == "33.71"
    assert mine["channels"] == ["sms", "email"]
    assert "dinsos@magelangkota.go.id" not in str(mine)  # the list shows channels, not numbers
    assert [o["region"] for o in seen_by_province.json()] == ["33", "33.71", "33.72"]
    assert [o["region"] for o in seen_by_regency.json()] == ["33.71"]
    assert outside.status_code == 403
    assert psks.status_code == 403
    assert nothing.status_code == 422
    assert removed.status_code == 204
    assert [o["region"] for o in after.json()] == ["33", "33.71"]
    assert gone.status_code == 404


async def test_a_declaration_alerts_the_operators_of_the_affected_regions(
    database_url: str, nats_server: NatsServer, tmp_path: Path, mail: MailCatcher
) -> None:
    config = settings(database_url, nats_server.url, tmp_path, 9, mail.port)
    async with serving(create_app, config) as (http, _runtime):
        await register(http, REGENCY, email="magelang@dinsos.go.id")
        await register(http, NEIGHBOUR, email="tetangga@dinsos.go.id")
        await register(http, PROVINCE, email="jateng@dinsos.go.id")
        await register(http, NATIONAL, email="pusat@kemensos.go.id")
        flood = DisasterDeclared(
            disaster_id=uuid4(),
            hazard="101",
            name="Banjir Magelang Tengah",
            status=DisasterStatus.TANGGAP_DARURAT,
            affected_regions=("33.71.01",),  # a district of Kota Magelang
            authority="BPBD-33.71",
            decree_no="188.45/7/2026",
            period=DisasterPeriod(start=date(2026, 12, 1)),
        )
        await publish(nats_server.url, flood)

        async def two_mails() -> dict[str, list[str]] | None:
            found = mailed(mail)
            return found if len(found) >= 2 else None

        found = await eventually(two_mails)
        log = (await http.get("/deliveries", headers=as_(NATIONAL))).json()

    assert set(found) == {"magelang@dinsos.go.id", "jateng@dinsos.go.id"}
    assert all(
        s == ["PENTING: Tanggap Darurat banjir - Banjir Magelang Tengah"] for s in found.values()
    )
    assert {d["recipient_id"] for d in log} == {
        str(person_id("op-magelang")),
        str(person_id("op-jateng")),
    }
    assert {d["cause_event_id"] for d in log} == {str(publish_id(log))}


def publish_id(log: list[dict[str, Any]]) -> UUID:
    """The one cause of every row of a delivery log."""
    (cause,) = {d["cause_event_id"] for d in log}
    return UUID(cause)


async def test_repeated_failures_for_one_person_alert_the_regency_operator_once(
    database_url: str,
    nats_server: NatsServer,
    tmp_path: Path,
    gateway: tuple[Gateway, int],
    mail: MailCatcher,
) -> None:
    fake, port = gateway
    unreachable = contact("+6281100000400", ["sms"])
    fake.script = {"+6281100000400": [400] * 20}  # the gateway refuses the number every time
    config = settings(database_url, nats_server.url, tmp_path, port, mail.port)
    async with serving(create_app, config) as (http, _runtime):
        await register(http, REGENCY, email="magelang@dinsos.go.id")
        await register(http, PROVINCE, email="jateng@dinsos.go.id")
        await publish(nats_server.url, unreachable)
        expired = [
            CertificationExpired(volunteer_id=unreachable.person_id, certification_id=uuid4())
            for _ in range(4)
        ]
        await publish(nats_server.url, *expired)

        async def settled() -> list[dict[str, Any]] | None:
            r = await http.get("/deliveries", headers=as_(NATIONAL))
            rows = r.json()
            done = len(rows) == 5 and all(d["status"] != "pending" for d in rows)
            return rows if done else None

        log = await eventually(settled)

    failures = [d for d in log if d["recipient_id"] == str(unreachable.person_id)]
    assert [d["status"] for d in failures] == ["failed"] * 4
    (alert,) = [d for d in log if d["recipient_id"] != str(unreachable.person_id)]
    assert alert["recipient_id"] == str(person_id("op-magelang"))  # not the province's
    assert alert["cause_type"] == "pilar.notifications.notification.failed.v1"
    assert alert["status"] == "delivered"
    subjects = mailed(mail)["magelang@dinsos.go.id"]
    ref = unreachable.person_id.hex[-8:].upper()
    assert subjects == [f"Penerima ID {ref} tidak dapat dihubungi"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SERVICE])
async def test_only_operators_keep_operator_contacts(
    role: Role, database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    config = settings(database_url, nats_server.url, tmp_path, 9, 9)
    async with serving(create_app, config) as (http, _runtime):
        r = await http.get("/directory/operators/me", headers=bearer(role))
    assert r.status_code == 403
