"""Request and response bodies of the registry API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pilar_contracts.events.fields import (
    Code,
    DeploymentTask,
    PsksType,
    ReasonCode,
    RegionCode,
    VolunteerStatus,
)
from pilar_contracts.reference.regions import region_exists
from pilar_registry.domain import Certification, Volunteer
from pilar_registry.domain.deployments import Deployment


class VolunteerCreate(BaseModel):
    """A PSKS person to register (identity data stays in the registry)."""

    model_config = ConfigDict(extra="forbid")
    psks_type: PsksType
    region: RegionCode
    nik: str = Field(description="16-digit NIK; spaces, dots and hyphens are ignored")
    display_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9]{8,15}$")
    whatsapp: str | None = Field(default=None, pattern=r"^\+?[0-9]{8,15}$")
    competencies: tuple[Code, ...] = ()
    details: dict[str, Any] = Field(
        default_factory=dict, description="type-specific: Tagana tier and member_no, Peksos level"
    )
    capacity: int = Field(default=5, ge=0, le=500, description="open referrals it can carry")

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if not region_exists(value):
            raise ValueError(f"kode wilayah {value} tidak dikenal (Kepmendagri 300.2.2-2138/2025)")
        return value


class StatusChange(BaseModel):
    """A new availability for a person."""

    model_config = ConfigDict(extra="forbid")
    status: VolunteerStatus
    reason_code: ReasonCode | None = None


class CertificationCreate(BaseModel):
    """A certification to record for a PSKS person."""

    model_config = ConfigDict(extra="forbid")
    scheme: Code
    level: Code | None = None
    certificate_no: str = Field(min_length=1, max_length=64)
    issuer: str | None = Field(default=None, max_length=100)
    valid_from: date
    valid_until: date | None = None


class Revocation(BaseModel):
    """Why a certification is revoked."""

    model_config = ConfigDict(extra="forbid")
    reason_code: ReasonCode


class CertificationPublic(BaseModel):
    """A certification as the API shows it."""

    id: UUID
    scheme: str
    level: str | None
    certificate_no: str
    issuer: str | None
    valid_from: date
    valid_until: date | None
    revoked: bool

    @classmethod
    def of(cls, c: Certification) -> CertificationPublic:
        """From the domain."""
        return cls(
            id=c.id,
            scheme=c.scheme,
            level=c.level,
            certificate_no=c.certificate_no,
            issuer=c.issuer,
            valid_from=c.valid_from,
            valid_until=c.valid_until,
            revoked=c.revoked_at is not None,
        )


class FindingPublic(BaseModel):
    """A soft rule that did not hold (the command still went through)."""

    code: str
    message: str


class VolunteerPublic(BaseModel):
    """A PSKS person as operators of its region see it (no NIK, no contact details)."""

    id: UUID
    psks_type: str
    region: str
    status: str
    verification: str
    competencies: tuple[str, ...]
    details: dict[str, Any]
    capacity: int
    open_referrals: int
    registered_at: datetime
    certifications: list[CertificationPublic]
    warnings: list[FindingPublic] = []

    @classmethod
    def of(cls, v: Volunteer, warnings: list[FindingPublic] | None = None) -> VolunteerPublic:
        """From the domain."""
        return cls(
            id=v.id,
            psks_type=v.psks_type,
            region=v.region,
            status=v.status.value,
            verification=v.verification.value,
            competencies=v.competencies,
            details=v.details,
            capacity=v.capacity,
            open_referrals=v.open_referrals,
            registered_at=v.registered_at,
            certifications=[CertificationPublic.of(c) for c in v.certifications],
            warnings=warnings or [],
        )


class VolunteerSummary(BaseModel):
    """One line of a listing."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    psks_type: str
    region: str
    status: str
    verification: str
    capacity: int
    open_referrals: int


class VolunteerPage(BaseModel):
    """A page of a listing; pass ``next_cursor`` as ``after`` for the next one."""

    items: list[VolunteerSummary]
    next_cursor: UUID | None


class DeploymentDecline(BaseModel):
    """Why a deployed Tagana cannot go (optional)."""

    model_config = ConfigDict(extra="forbid")
    reason_code: ReasonCode | None = None


class DeploymentPublic(BaseModel):
    """A deployment as its Tagana and the operators of its region see it."""

    id: UUID
    disaster_id: UUID
    volunteer_id: UUID
    volunteer_region: str
    task: DeploymentTask
    report_to_region: str
    status: str
    reason_code: str | None
    replaces: UUID | None
    replaced_by: UUID | None
    deployed_at: datetime
    answered_at: datetime | None

    @classmethod
    def of(cls, d: Deployment) -> DeploymentPublic:
        """From the domain."""
        return cls(
            id=d.id,
            disaster_id=d.disaster_id,
            volunteer_id=d.volunteer_id,
            volunteer_region=d.volunteer_region,
            task=d.task,
            report_to_region=d.report_to_region,
            status=d.status.value,
            reason_code=d.reason_code,
            replaces=d.replaces,
            replaced_by=d.replaced_by,
            deployed_at=d.deployed_at,
            answered_at=d.answered_at,
        )


class DeploymentPage(BaseModel):
    """A page of a disaster's deployments; pass ``next_cursor`` as ``after`` for the next one."""

    items: list[DeploymentPublic]
    next_cursor: UUID | None
