"""Recipient preferences over the directory API: opt-outs where allowed, and the language.

Real nats-server and a real local SMS/WhatsApp gateway, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx

from pilar_contracts.events.registry import CertificationExpiring
from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from pilar_notifications.app import create_app
from tests.api.harness import bearer, serving
from tests.integration.test_notifications_gateway import (
    Gateway,
    contact,
    deployed,
    eventually,
    gateway,
    publish,
    settings,
)

__all__ = ["gateway"]  # the fixture shared with the gateway tests


def me(person: UUID) -> dict[str, str]:
    """The bearer header of a PSKS person speaking for themselves."""
    return bearer(Role.PSKS, "33.71", str(person))


async def choose(http: httpx.AsyncClient, person: UUID, **body: object) -> httpx.Response:
    """A person saves their preferences."""
    return await http.put("/directory/me/preferences", json=body, headers=me(person))


def expiring(person: UUID) -> CertificationExpiring:
    """A renewal reminder: an optional category."""
    return CertificationExpiring(
        volunteer_id=person,
        certification_id=uuid4(),
        valid_until=date(2026, 12, 31),
        days_left=30,
    )


async def test_opted_out_reminders_stay_unsent_but_call_outs_arrive_in_the_chosen_language(
    database_url: str, nats_server: NatsServer, tmp_path: Path, gateway: tuple[Gateway, int]
) -> None:
    fake, port = gateway
    quiet = contact("+6281100000501", ["whatsapp"])  # opts out, reads English
    javanese = contact("+6281100000502", ["whatsapp"])  # no template in Javanese: Indonesian
    plain = contact("+6281100000503", ["whatsapp"])  # chose nothing
    people = (quiet, javanese, plain)
    config = settings(database_url, nats_server.url, tmp_path, port, 9)
    async with serving(create_app, config) as (http, _runtime):
        saved = await choose(http, quiet.person_id, opt_outs=["certification"], language="en")
        assert saved.status_code == 200, saved.text
        assert (await choose(http, javanese.person_id, language="jv")).status_code == 200
        await publish(nats_server.url, *people)
        await publish(nats_server.url, *(expiring(p.person_id) for p in people))
        await publish(nats_server.url, *(deployed(p.person_id) for p in people))

        async def settled() -> list[dict[str, Any]] | None:
            rows = (await http.get("/deliveries", headers=bearer(Role.NATIONAL_OPERATOR))).json()
            done = len(rows) == 5 and all(d["status"] == "delivered" for d in rows)
            return rows if done else None

        log = await eventually(settled)
        preferences = (
            await http.get("/directory/me/preferences", headers=me(quiet.person_id))
        ).json()

    by_person: dict[str, list[str]] = {}
    for row in log:
        by_person.setdefault(row["recipient_id"], []).append(row["cause_type"])
    assert sorted(by_person[str(quiet.person_id)]) == ["pilar.registry.deployment.deployed.v1"]
    assert len(by_person[str(plain.person_id)]) == 2
    assert len(by_person[str(javanese.person_id)]) == 2
    (only,) = fake.sent_to(quiet.whatsapp or "")
    assert only[1]["message"].startswith("*URGENT - disaster response deployment*")
    in_javanese_profile = sorted(b["message"] for _, b in fake.sent_to(javanese.whatsapp or ""))
    assert in_javanese_profile[0].startswith("*PENTING - penugasan tanggap bencana*")
    assert "Sertifikasi Anda berlaku sampai" in in_javanese_profile[1]
    assert preferences == {"opt_outs": ["certification"], "language": "en"}


async def test_disaster_alerts_and_referrals_cannot_be_opted_out_of(
    database_url: str, nats_server: NatsServer, tmp_path: Path
) -> None:
    person = uuid4()
    config = settings(database_url, nats_server.url, tmp_path, 9, 9)
    async with serving(create_app, config) as (http, _runtime):
        refused = await choose(http, person, opt_outs=["certification", "disaster", "referral"])
        unknown = await choose(http, person, opt_outs=["promotions"])
        bad_language = await choose(http, person, language="Bahasa")
        unchanged = (await http.get("/directory/me/preferences", headers=me(person))).json()
        categories = (await http.get("/directory/categories", headers=me(person))).json()
        auditor = await http.put("/directory/me/preferences", json={}, headers=bearer(Role.AUDITOR))

    assert refused.status_code == 422
    assert refused.json()["code"] == "opt_out_not_allowed"
    assert refused.json()["categories"] == ["disaster", "referral"]
    assert "wajib diterima" in refused.json()["detail"]
    assert unknown.status_code == 422
    assert bad_language.status_code == 422
    assert unchanged == {"opt_outs": [], "language": None}
    assert {c["code"]: c["optional"] for c in categories} == {
        "disaster": False,
        "referral": False,
        "operations": False,
        "certification": True,
    }
    assert auditor.status_code == 403
