"""Events published by the registry service (PSKS people and institutions)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from pilar_contracts.envelope import Event, EventKind
from pilar_contracts.events.fields import (
    Channel,
    Code,
    DeploymentTask,
    PsksType,
    ReasonCode,
    RegionCode,
    VolunteerStatus,
)

SOURCE = "/pilar/registry"


class VolunteerRegistered(Event):
    """A PSKS person was registered (awaiting verification)."""

    kind: ClassVar[EventKind] = EventKind("registry", "volunteer", "registered")
    volunteer_id: UUID
    psks_type: PsksType
    region: RegionCode
    competencies: tuple[Code, ...] = ()
    registered_at: AwareDatetime


class VolunteerVerified(Event):
    """A second operator verified a PSKS registration (maker-checker)."""

    kind: ClassVar[EventKind] = EventKind("registry", "volunteer", "verified")
    volunteer_id: UUID
    verified_by: str = Field(description="operator id")


class VolunteerCertified(Event):
    """A PSKS person received a certification (PSM, TAGANA, PEKSOS, ...)."""

    kind: ClassVar[EventKind] = EventKind("registry", "volunteer", "certified")
    volunteer_id: UUID
    psks_type: PsksType
    region: RegionCode
    certification_id: UUID
    scheme: Code
    level: Code | None = None
    certificate_no: str = Field(max_length=64)
    valid_from: date
    valid_until: date | None = None


class CertificationExpiring(Event):
    """A certification will expire soon (30, 7 or 1 days before)."""

    kind: ClassVar[EventKind] = EventKind("registry", "certification", "expiring")
    volunteer_id: UUID
    certification_id: UUID
    valid_until: date
    days_left: int = Field(ge=0)


class CertificationExpired(Event):
    """A certification passed its validity date."""

    kind: ClassVar[EventKind] = EventKind("registry", "certification", "expired")
    volunteer_id: UUID
    certification_id: UUID


class CertificationRevoked(Event):
    """A certification was revoked before its end."""

    kind: ClassVar[EventKind] = EventKind("registry", "certification", "revoked")
    volunteer_id: UUID
    certification_id: UUID
    reason_code: ReasonCode


class VolunteerStatusChanged(Event):
    """A PSKS person's availability changed."""

    kind: ClassVar[EventKind] = EventKind("registry", "volunteer", "status_changed")
    volunteer_id: UUID
    status: VolunteerStatus
    reason_code: ReasonCode | None = None


class InstitutionRegistered(Event):
    """A PSKS institution (LKS, LK3, Karang Taruna, WKSBM, Dunia Usaha, ...) was registered."""

    kind: ClassVar[EventKind] = EventKind("registry", "institution", "registered")
    institution_id: UUID
    psks_type: PsksType
    region: RegionCode
    services: tuple[Code, ...] = ()


class InstitutionAccredited(Event):
    """An LKS received an accreditation grade."""

    kind: ClassVar[EventKind] = EventKind("registry", "institution", "accredited")
    institution_id: UUID
    grade: str = Field(pattern=r"^[ABC]$")
    valid_until: date


class InstitutionVerified(Event):
    """A second operator verified an institution's registration (maker-checker)."""

    kind: ClassVar[EventKind] = EventKind("registry", "institution", "verified")
    institution_id: UUID
    verified_by: str = Field(description="operator id")


class InstitutionStatusChanged(Event):
    """A PSKS institution opened, closed for a while, or was suspended."""

    kind: ClassVar[EventKind] = EventKind("registry", "institution", "status_changed")
    institution_id: UUID
    status: VolunteerStatus
    reason_code: ReasonCode | None = None


class AccreditationExpiring(Event):
    """An LKS accreditation will expire soon (30, 7 or 1 days before)."""

    kind: ClassVar[EventKind] = EventKind("registry", "accreditation", "expiring")
    institution_id: UUID
    accreditation_id: UUID
    valid_until: date
    days_left: int = Field(ge=0)


class AccreditationExpired(Event):
    """An LKS accreditation passed its validity date."""

    kind: ClassVar[EventKind] = EventKind("registry", "accreditation", "expired")
    institution_id: UUID
    accreditation_id: UUID


class VolunteerCompetenciesChanged(Event):
    """A PSKS person's competencies changed (training completed, competency recorded or removed)."""

    kind: ClassVar[EventKind] = EventKind("registry", "volunteer", "competencies_changed")
    volunteer_id: UUID
    competencies: tuple[Code, ...]


class VolunteersMobilized(Event):
    """Tagana were called out for a disaster."""

    kind: ClassVar[EventKind] = EventKind("registry", "disaster", "volunteers_mobilized")
    disaster_id: UUID
    region: RegionCode
    volunteer_count: int = Field(ge=0)
    by_regency: dict[str, int] = Field(default_factory=dict)


class VolunteerDeployed(Event):
    """One volunteer was deployed to a disaster with a task."""

    kind: ClassVar[EventKind] = EventKind("registry", "deployment", "deployed")
    deployment_id: UUID
    disaster_id: UUID
    volunteer_id: UUID
    task: DeploymentTask
    report_to_region: RegionCode


class DeploymentAcknowledged(Event):
    """A deployed volunteer acknowledged the call-out."""

    kind: ClassVar[EventKind] = EventKind("registry", "deployment", "acknowledged")
    deployment_id: UUID
    volunteer_id: UUID


class DeploymentDeclined(Event):
    """A deployed volunteer declined the call-out."""

    kind: ClassVar[EventKind] = EventKind("registry", "deployment", "declined")
    deployment_id: UUID
    volunteer_id: UUID
    reason_code: ReasonCode | None = None


class ContactChanged(Event):
    """Private: how to reach a person (only notifications may read it)."""

    kind: ClassVar[EventKind] = EventKind("registry", "contact", "changed", private=True)
    person_id: UUID
    person_kind: Code = Field(description="volunteer, institution or operator")
    display_name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=32)
    whatsapp: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    preferred_channels: tuple[Channel, ...] = ()
    language: str = Field(default="id", pattern=r"^[a-z]{2}$")


EVENTS: tuple[type[Event], ...] = (
    VolunteerRegistered,
    VolunteerVerified,
    VolunteerCertified,
    CertificationExpiring,
    CertificationExpired,
    CertificationRevoked,
    VolunteerStatusChanged,
    InstitutionRegistered,
    InstitutionAccredited,
    InstitutionVerified,
    InstitutionStatusChanged,
    AccreditationExpiring,
    AccreditationExpired,
    VolunteerCompetenciesChanged,
    VolunteersMobilized,
    VolunteerDeployed,
    DeploymentAcknowledged,
    DeploymentDeclined,
    ContactChanged,
)
