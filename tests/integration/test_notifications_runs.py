"""Runs of events arriving together are enqueued together, once each, on both databases.

A call-out arrives as thousands of VolunteerDeployed in a row: the service records a fetched run
in one statement. Here a run mixes call-outs, reminders, an accreditation reminder and a copy of
one call-out (same ``ce-id``), and ends with a withdrawn referral on the cases stream.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats

from pilar_contracts import Event, wrap
from pilar_contracts.events.cases import ReferralWithdrawn
from pilar_contracts.events.registry import (
    AccreditationExpiring,
    CertificationExpiring,
    ContactChanged,
    VolunteerDeployed,
)
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


def institution(number: str) -> ContactChanged:
    """An LKS reachable by SMS only."""
    return ContactChanged.model_validate(
        {
            "person_id": uuid4(),
            "person_kind": "institution",
            "display_name": "LKS Harapan",
            "phone": number,
            "preferred_channels": ["sms"],
        }
    )


async def test_a_mixed_run_notifies_each_person_once_by_the_rules_of_each_event(
    database_url: str, nats_server: NatsServer, tmp_path: Path, gateway: tuple[Gateway, int]
) -> None:
    fake, port = gateway
    tagana = [contact(f"+628110009{n:03d}", ["whatsapp"]) for n in range(6)]
    reminded = [contact(f"+628110008{n:03d}", ["sms"]) for n in range(2)]
    lks = institution("+6281100070001")
    callouts = [
        wrap(deployed(p.person_id), source="/pilar/registry", subject="t", region="33.71")
        for p in tagana
    ]
    reminders = [
        wrap(
            CertificationExpiring(
                volunteer_id=p.person_id,
                certification_id=uuid4(),
                valid_until=date(2027, 1, 31),
                days_left=30,
            ),
            source="/pilar/registry",
            subject="t",
            region="33.71",
        )
        for p in reminded
    ]
    accreditation = wrap(
        AccreditationExpiring(
            institution_id=lks.person_id,
            accreditation_id=uuid4(),
            valid_until=date(2027, 1, 31),
            days_left=7,
        ),
        source="/pilar/registry",
        subject="t",
        region="33.71",
    )
    # call-outs, reminders, call-outs again, one call-out's copy and an accreditation reminder
    run = [*callouts[:3], *reminders, *callouts[3:], callouts[0], accreditation]
    config = settings(database_url, nats_server.url, tmp_path, port, 9)
    async with serving(create_app, config) as (http, _runtime):
        await publish(nats_server.url, *tagana, *reminded, lks)
        nc = await nats.connect(nats_server.url)
        try:
            js = nc.jetstream()
            for out in run:  # fresh message ids: JetStream keeps the copy, the service drops it
                headers = out.envelope.headers() | {"Nats-Msg-Id": str(uuid4())}
                await js.publish(out.nats_subject, out.body, headers=headers)
        finally:
            await nc.close()
        withdrawn = ReferralWithdrawn(
            referral_id=uuid4(),
            case_id=uuid4(),
            to_id=reminded[0].person_id,
            reason_code="consent_withdrawn",
        )
        await publish(nats_server.url, withdrawn)

        async def all_delivered() -> list[dict[str, Any]] | None:
            r = await http.get("/deliveries", headers=bearer(Role.NATIONAL_OPERATOR))
            rows = r.json()
            done = len(rows) == 10 and all(row["status"] == "delivered" for row in rows)
            return rows if done else None

        log = await eventually(all_delivered)

    causes: list[type[Event]] = [VolunteerDeployed] * 6 + [CertificationExpiring] * 2
    causes += [AccreditationExpiring, ReferralWithdrawn]
    assert sorted(row["cause_type"] for row in log) == sorted(c.kind.type_name for c in causes)
    for person in tagana:
        (message,) = fake.sent_to(person.whatsapp or "")
        assert message[0] == "/whatsapp"
        assert message[1]["message"].startswith("*PENTING")
    (lks_sms,) = fake.sent_to(lks.phone or "")
    assert lks_sms[1]["message"].startswith("Pilar: Akreditasi lembaga Anda berakhir 2027-01-31")
    first, second = fake.sent_to(reminded[0].phone or ""), fake.sent_to(reminded[1].phone or "")
    assert len(second) == 1
    assert "Sertifikasi" in second[0][1]["message"]
    assert sorted("dibatalkan" in body["message"] for _, body in first) == [False, True]
