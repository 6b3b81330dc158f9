"""A small national picture, published as real contract events into the JetStream streams.

Jawa Tengah (33) is well covered, Nusa Tenggara Timur (53) has open cases and no PSKS, Jawa
Timur (35) is thin; one flood in Kota Magelang has Tagana deployed and notified.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from nats.js import JetStreamContext

from pilar_contracts.envelope import Envelope, Event
from pilar_contracts.events import cases, notifications, registry
from pilar_contracts.events.fields import (
    Channel,
    DeploymentTask,
    DisasterStatus,
    RecipientKind,
    Urgency,
)
from pilar_contracts.reference.regions import children
from pilar_contracts.subjects import event_subject

SOURCES = {
    "registry": registry.SOURCE,
    "cases": cases.SOURCE,
    "notifications": notifications.SOURCE,
}
WELL_COVERED, UNCOVERED, THIN = "33", "53", "35"
DISASTER_REGENCY = "33.71"


def first_village(regency: str) -> str:
    """The first village of a regency's first district."""
    return children(children(regency)[0])[0]


@dataclass
class Scenario:
    """What was published, for the test to compare the page against."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    volunteers: dict[str, list[UUID]] = field(default_factory=dict)  # province -> ids
    cases: dict[str, list[UUID]] = field(default_factory=dict)
    disaster_id: UUID = field(default_factory=uuid4)
    deployed: int = 0
    acknowledged: int = 0


class Publisher:
    """Publishes events the way the services' relays do: CloudEvents headers, Nats-Msg-Id."""

    def __init__(self, js: JetStreamContext) -> None:
        self.js = js

    async def publish(self, event: Event, *, record: str, region: str, at: datetime) -> UUID:
        """Publish one event as of ``at`` and return its event id."""
        kind = type(event).kind
        envelope = Envelope(
            source=SOURCES[kind.producer],
            type=kind.type_name,
            subject=record,
            time=at,
            dataschema=kind.dataschema,
            region=region,
        )
        subject = event_subject(kind.type_name, envelope.region, private=kind.private)
        body = event.model_dump_json().encode()
        await self.js.publish(subject, body, headers=envelope.headers())
        return envelope.id


async def enrol_volunteers(
    pub: Publisher, scenario: Scenario, regency: str, count: int, since: datetime
) -> None:
    """Register, verify and certify ``count`` Tagana in a regency, one hour apart."""
    village = first_village(regency)
    ids = scenario.volunteers.setdefault(regency[:2], [])
    for n in range(count):
        at = since + timedelta(hours=n)
        volunteer_id = uuid4()
        record = f"volunteer/{volunteer_id}"
        registered = registry.VolunteerRegistered(
            volunteer_id=volunteer_id, psks_type="PSKS-03", region=village, registered_at=at
        )
        await pub.publish(registered, record=record, region=village, at=at)
        verified = registry.VolunteerVerified(volunteer_id=volunteer_id, verified_by="checker")
        await pub.publish(verified, record=record, region=village, at=at + timedelta(minutes=5))
        certified = registry.VolunteerCertified(
            volunteer_id=volunteer_id,
            psks_type="PSKS-03",
            region=village,
            certification_id=uuid4(),
            scheme="TAGANA",
            level="MUDA",
            certificate_no=f"TGN-{regency[:2]}-{len(ids) + 1:04d}",
            valid_from=date(2026, 1, 1),
        )
        await pub.publish(certified, record=record, region=village, at=at + timedelta(minutes=10))
        ids.append(volunteer_id)


async def open_cases(
    pub: Publisher, scenario: Scenario, regency: str, count: int, since: datetime
) -> None:
    """Open ``count`` PMKS cases in a regency, one day apart."""
    village = first_village(regency)
    ids = scenario.cases.setdefault(regency[:2], [])
    for n in range(count):
        case_id = uuid4()
        client_ref = hashlib.sha256(f"klien-{case_id}".encode()).hexdigest()
        opened = cases.CaseOpened(
            case_id=case_id,
            client_ref=client_ref,
            pmks_category="PMKS-03",
            region=village,
            urgency=Urgency.ROUTINE,
            opened_by="operator",
        )
        at = since + timedelta(days=n)
        await pub.publish(opened, record=f"case/{case_id}", region=village, at=at)
        ids.append(case_id)


async def refer_and_complete(pub: Publisher, scenario: Scenario, at: datetime) -> None:
    """Refer the first Jawa Tengah case to a volunteer, who accepts and completes it."""
    case_id = scenario.cases[WELL_COVERED][0]
    volunteer_id = scenario.volunteers[WELL_COVERED][0]
    referral_id = uuid4()
    region = first_village(DISASTER_REGENCY)
    record = f"case/{case_id}"
    steps: list[tuple[Event, timedelta]] = [
        (
            cases.CaseReferred(
                case_id=case_id,
                referral_id=referral_id,
                to_kind=RecipientKind.VOLUNTEER,
                to_id=volunteer_id,
                service="pendampingan",
                accept_by=at + timedelta(days=2),
                attempt=1,
            ),
            timedelta(0),
        ),
        (
            cases.ReferralAccepted(referral_id=referral_id, case_id=case_id, by_id=volunteer_id),
            timedelta(hours=3),
        ),
        (
            cases.ReferralCompleted(
                referral_id=referral_id, case_id=case_id, outcome="resolved", quality=4
            ),
            timedelta(days=1),
        ),
    ]
    for event, after in steps:
        await pub.publish(event, record=record, region=region, at=at + after)


async def flood_with_callout(pub: Publisher, scenario: Scenario, at: datetime) -> None:
    """Declare a flood in Kota Magelang, deploy two Tagana 30 minutes later; one acknowledges."""
    disaster_id = scenario.disaster_id
    declared = cases.DisasterDeclared(
        disaster_id=disaster_id,
        hazard="101",
        name="Banjir Kota Magelang",
        status=DisasterStatus.TANGGAP_DARURAT,
        affected_regions=(DISASTER_REGENCY,),
        authority="BPBD",
        decree_no="SK-BPBD-3371-01/2026",
        period=cases.DisasterPeriod(start=at.date()),
    )
    record = f"disaster/{disaster_id}"
    await pub.publish(declared, record=record, region=DISASTER_REGENCY, at=at)
    for n, volunteer_id in enumerate(scenario.volunteers[WELL_COVERED][:2]):
        deployment_id = uuid4()
        deployed = registry.VolunteerDeployed(
            deployment_id=deployment_id,
            disaster_id=disaster_id,
            volunteer_id=volunteer_id,
            task=DeploymentTask.DAPUR_UMUM,
            report_to_region=DISASTER_REGENCY,
        )
        when = at + timedelta(minutes=30 + n)
        cause = await pub.publish(
            deployed, record=f"deployment/{deployment_id}", region=DISASTER_REGENCY, at=when
        )
        scenario.deployed += 1
        delivered = notifications.NotificationDelivered(
            notification_id=uuid4(),
            cause_event_id=cause,
            recipient_id=volunteer_id,
            channel=Channel.WHATSAPP,
            attempts=1,
        )
        await pub.publish(
            delivered,
            record=f"notification/{delivered.notification_id}",
            region=DISASTER_REGENCY,
            at=when + timedelta(minutes=1),
        )
        if n == 0:
            acknowledged = registry.DeploymentAcknowledged(
                deployment_id=deployment_id, volunteer_id=volunteer_id
            )
            await pub.publish(
                acknowledged,
                record=f"deployment/{deployment_id}",
                region=DISASTER_REGENCY,
                at=when + timedelta(minutes=10),
            )
            scenario.acknowledged += 1


async def publish_scenario(js: JetStreamContext) -> Scenario:
    """Publish the whole picture, its events dated over the last ten days."""
    scenario = Scenario()
    pub = Publisher(js)
    start = scenario.now - timedelta(days=10)
    await enrol_volunteers(pub, scenario, "33.71", 12, start)
    await enrol_volunteers(pub, scenario, "35.78", 1, start)
    await open_cases(pub, scenario, "33.71", 1, start + timedelta(days=2))
    await open_cases(pub, scenario, "53.71", 3, start + timedelta(days=3))
    await open_cases(pub, scenario, "35.78", 4, start + timedelta(days=4))
    await refer_and_complete(pub, scenario, start + timedelta(days=5))
    await flood_with_callout(pub, scenario, scenario.now - timedelta(hours=6))
    return scenario
