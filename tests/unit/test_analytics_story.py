"""A story of real public events at chosen times, for the analytics tests; and its own checks.

Other analytics tests import ``Story`` to tell what happened (a volunteer registered, a case
referred, ...) and then deliver those events in any order, any number of times.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from pilar_contracts import Event, Outgoing, wrap
from pilar_contracts.events import cases as c
from pilar_contracts.events import notifications as n
from pilar_contracts.events import registry as r
from pilar_contracts.events.cases import DisasterPeriod
from pilar_contracts.events.fields import (
    Channel,
    DeploymentTask,
    DisasterStatus,
    RecipientKind,
    Urgency,
    VolunteerStatus,
)
from pilar_kit.consumer import Delivery

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SOURCES = {
    "registry": r.SOURCE,
    "cases": c.SOURCE,
    "notifications": n.SOURCE,
}


class Story:
    """Public events told one after another, each at the story's clock."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.told: list[Outgoing] = []

    def later(self, **delta: float) -> Story:
        """Move the clock on."""
        self.now += timedelta(**delta)
        return self

    def tell(self, event: Event, region: str, subject: str = "record") -> Outgoing:
        """Wrap an event in an envelope dated now."""
        source = SOURCES[type(event).kind.producer]
        out = wrap(event, source=source, subject=subject, region=region)
        dated = out.envelope.model_copy(update={"time": self.now})
        out = out.model_copy(update={"envelope": dated})
        self.told.append(out)
        return out

    def volunteer(
        self,
        region: str,
        psks_type: str = "PSKS-02",
        *,
        verify: bool = True,
        certify: bool = True,
        valid_until: date | None = None,
    ) -> UUID:
        """Register a PSKS person, then (optionally) verify and certify them."""
        who = uuid4()
        self.tell(
            r.VolunteerRegistered(
                volunteer_id=who, psks_type=psks_type, region=region, registered_at=self.now
            ),
            region,
        )
        if verify:
            self.tell(r.VolunteerVerified(volunteer_id=who, verified_by="checker"), region)
        if certify:
            self.certify(who, region, psks_type, valid_until=valid_until)
        return who

    def certify(
        self, who: UUID, region: str, psks_type: str = "PSKS-02", valid_until: date | None = None
    ) -> UUID:
        """Certify a person from today."""
        certification = uuid4()
        event = r.VolunteerCertified(
            volunteer_id=who,
            psks_type=psks_type,
            region=region,
            certification_id=certification,
            scheme="PSM",
            certificate_no=f"C-{certification.hex[:8]}",
            valid_from=self.now.date(),
            valid_until=valid_until,
        )
        self.tell(event, region)
        return certification

    def status(self, who: UUID, region: str, status: VolunteerStatus) -> None:
        """Change a person's availability."""
        self.tell(r.VolunteerStatusChanged(volunteer_id=who, status=status), region)

    def institution(self, region: str, psks_type: str = "PSKS-04", *, verify: bool = True) -> UUID:
        """Register an institution, then (optionally) verify it."""
        institution = uuid4()
        self.tell(
            r.InstitutionRegistered(institution_id=institution, psks_type=psks_type, region=region),
            region,
        )
        if verify:
            verified = r.InstitutionVerified(institution_id=institution, verified_by="checker")
            self.tell(verified, region)
        return institution

    def case(self, region: str, category: str = "PMKS-01", disaster: UUID | None = None) -> UUID:
        """Open a PMKS case."""
        case_id = uuid4()
        event = c.CaseOpened(
            case_id=case_id,
            client_ref="ab" * 16,
            pmks_category=category,
            region=region,
            urgency=Urgency.ROUTINE,
            disaster_id=disaster,
            opened_by="operator",
        )
        self.tell(event, region)
        return case_id

    def refer(self, case_id: UUID, region: str, to: UUID) -> UUID:
        """Refer a case to a volunteer."""
        referral = uuid4()
        event = c.CaseReferred(
            case_id=case_id,
            referral_id=referral,
            to_kind=RecipientKind.VOLUNTEER,
            to_id=to,
            service="pendampingan",
            accept_by=self.now + timedelta(hours=48),
            attempt=1,
        )
        self.tell(event, region)
        return referral

    def accept(self, referral: UUID, case_id: UUID, region: str, by: UUID) -> None:
        """The referred pillar accepts."""
        self.tell(c.ReferralAccepted(referral_id=referral, case_id=case_id, by_id=by), region)

    def decline(self, referral: UUID, case_id: UUID, region: str, by: UUID) -> None:
        """The referred pillar declines."""
        event = c.ReferralDeclined(
            referral_id=referral, case_id=case_id, by_id=by, reason_code="busy"
        )
        self.tell(event, region)

    def complete(self, referral: UUID, case_id: UUID, region: str) -> None:
        """The service was delivered."""
        event = c.ReferralCompleted(
            referral_id=referral, case_id=case_id, outcome="served", quality=4
        )
        self.tell(event, region)

    def close(self, case_id: UUID, region: str) -> None:
        """Close a case."""
        self.tell(c.CaseClosed(case_id=case_id, outcome="resolved", stage="terminasi"), region)

    def disaster(self, regions: Sequence[str], hazard: str = "101") -> UUID:
        """Declare a disaster in tanggap darurat."""
        disaster = uuid4()
        event = c.DisasterDeclared(
            disaster_id=disaster,
            hazard=hazard,
            name="Banjir Uji",
            status=DisasterStatus.TANGGAP_DARURAT,
            affected_regions=tuple(regions),
            authority="BPBD",
            decree_no="SK-1/2026",
            period=DisasterPeriod(start=self.now.date()),
        )
        self.tell(event, regions[0])
        return disaster

    def deploy(self, disaster: UUID, who: UUID, region: str) -> tuple[UUID, Outgoing]:
        """Deploy a volunteer; return the deployment and its event (notifications name it)."""
        deployment = uuid4()
        event = r.VolunteerDeployed(
            deployment_id=deployment,
            disaster_id=disaster,
            volunteer_id=who,
            task=DeploymentTask.DAPUR_UMUM,
            report_to_region=region,
        )
        return deployment, self.tell(event, region)

    def acknowledge(self, deployment: UUID, who: UUID, region: str) -> None:
        """A deployed volunteer acknowledges."""
        self.tell(r.DeploymentAcknowledged(deployment_id=deployment, volunteer_id=who), region)

    def delivered(self, cause: Outgoing, recipient: UUID, region: str) -> None:
        """A notification about ``cause`` reached its recipient."""
        event = n.NotificationDelivered(
            notification_id=uuid4(),
            cause_event_id=cause.envelope.id,
            recipient_id=recipient,
            channel=Channel.EMAIL,
            attempts=1,
        )
        self.tell(event, region)


def deliveries(told: Sequence[Outgoing]) -> list[tuple[Event, Delivery]]:
    """The told events as a consumer receives them."""
    from pilar_contracts import event_class

    out = []
    for item in told:
        event = event_class(item.envelope.type).model_validate_json(item.body)
        out.append((event, Delivery(item.envelope, item.nats_subject, 1)))
    return out


def test_a_story_dates_every_event_at_its_clock() -> None:
    story = Story()
    story.volunteer("33.71.01.1003")
    story.later(days=1).case("33.71.01.1003")
    times = [item.envelope.time for item in story.told]
    assert times == [T0, T0, T0, T0 + timedelta(days=1)]
    kinds = [event.kind.action for event, _ in deliveries(story.told)]
    assert kinds == ["registered", "verified", "certified", "opened"]
