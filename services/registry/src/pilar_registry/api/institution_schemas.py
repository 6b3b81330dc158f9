"""Request and response bodies of the institution API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pilar_contracts.events.fields import Code, PsksType, RegionCode, VolunteerStatus
from pilar_contracts.reference.regions import region_exists
from pilar_registry.domain.institutions import Accreditation, AccreditationGrade, Institution

PHONE = r"^\+?[0-9]{8,15}$"


class InstitutionCreate(BaseModel):
    """A PSKS institution, family or network to register (contact data stays in the registry)."""

    model_config = ConfigDict(extra="forbid")
    psks_type: PsksType = Field(description="PSKS-04 LKS, 05 Karang Taruna, 06 LK3, 07, 08, 12")
    region: RegionCode
    name: str = Field(min_length=1, max_length=200)
    registration_no: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="LKS: nomor tanda daftar (required); Dunia Usaha: NIB, 13 digits (required)",
    )
    contact_name: str = Field(min_length=1, max_length=200, description="the contact person")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=PHONE)
    whatsapp: str | None = Field(default=None, pattern=PHONE)
    services: tuple[Code, ...] = Field(default=(), max_length=50)
    details: dict[str, Any] = Field(default_factory=dict)
    capacity: int = Field(default=5, ge=0, le=5000, description="open referrals it can carry")

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if not region_exists(value):
            raise ValueError(f"kode wilayah {value} tidak dikenal (Kepmendagri 300.2.2-2138/2025)")
        return value


class InstitutionChange(BaseModel):
    """A new availability and/or capacity for an institution."""

    model_config = ConfigDict(extra="forbid")
    status: VolunteerStatus | None = None
    capacity: int | None = Field(default=None, ge=0, le=5000)


class AccreditationCreate(BaseModel):
    """A BALKS accreditation to record for an LKS."""

    model_config = ConfigDict(extra="forbid")
    grade: AccreditationGrade
    accreditation_no: str = Field(min_length=1, max_length=64)
    issuer: str = Field(default="BALKS", min_length=1, max_length=100)
    valid_from: date
    valid_until: date | None = Field(
        default=None, description="default: 5 years for A, 3 for B, 2 for C"
    )


class AccreditationPublic(BaseModel):
    """An accreditation as the API shows it."""

    id: UUID
    grade: str
    accreditation_no: str
    issuer: str
    valid_from: date
    valid_until: date

    @classmethod
    def of(cls, a: Accreditation) -> AccreditationPublic:
        """From the domain."""
        return cls(
            id=a.id,
            grade=a.grade.value,
            accreditation_no=a.accreditation_no,
            issuer=a.issuer,
            valid_from=a.valid_from,
            valid_until=a.valid_until,
        )


class InstitutionPublic(BaseModel):
    """An institution as operators of its region see it (no contact details)."""

    id: UUID
    psks_type: str
    region: str
    name: str
    registration_no: str | None
    services: tuple[str, ...]
    details: dict[str, Any]
    status: str
    verification: str
    capacity: int
    open_referrals: int
    registered_at: datetime
    accreditation: AccreditationPublic | None = Field(description="the one in force today")
    accreditations: list[AccreditationPublic]

    @classmethod
    def of(cls, i: Institution, today: date) -> InstitutionPublic:
        """From the domain."""
        current = i.accreditation_on(today)
        return cls(
            id=i.id,
            psks_type=i.form.psks_type,
            region=i.region,
            name=i.form.name,
            registration_no=i.form.registration_no,
            services=i.form.services,
            details=i.form.details,
            status=i.status.value,
            verification=i.verification.value,
            capacity=i.capacity,
            open_referrals=i.open_referrals,
            registered_at=i.registered_at,
            accreditation=AccreditationPublic.of(current) if current else None,
            accreditations=[AccreditationPublic.of(a) for a in i.accreditations],
        )


class InstitutionSummary(BaseModel):
    """One line of a listing."""

    model_config = ConfigDict(from_attributes=True)
    id: UUID
    psks_type: str
    region: str
    name: str
    status: str
    verification: str
    capacity: int
    open_referrals: int


class InstitutionPage(BaseModel):
    """A page of a listing; pass ``next_cursor`` as ``after`` for the next one."""

    items: list[InstitutionSummary]
    next_cursor: UUID | None
