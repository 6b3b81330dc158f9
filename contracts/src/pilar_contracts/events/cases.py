"""Events published by the cases service (PMKS cases, referrals, disasters)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pilar_contracts.envelope import Event, EventKind
from pilar_contracts.events.fields import (
    Code,
    DisasterStatus,
    HazardCode,
    PmksCategory,
    ReasonCode,
    RecipientKind,
    RegionCode,
    Urgency,
)

SOURCE = "/pilar/cases"


class CaseOpened(Event):
    """A PMKS case was opened for a client (named only by client_ref)."""

    kind: ClassVar[EventKind] = EventKind("cases", "case", "opened")
    case_id: UUID
    client_ref: str = Field(pattern=r"^[0-9a-f]{32,64}$", description="keyed HMAC of the NIK")
    pmks_category: PmksCategory
    region: RegionCode
    urgency: Urgency
    disaster_id: UUID | None = None
    opened_by: str


class CaseAssessed(Event):
    """A case was assessed: its needs and risk level are known."""

    kind: ClassVar[EventKind] = EventKind("cases", "case", "assessed")
    case_id: UUID
    needs: tuple[Code, ...]
    risk_level: Code


class CaseReferred(Event):
    """A case was referred to a PSKS person or institution, to accept by a deadline."""

    kind: ClassVar[EventKind] = EventKind("cases", "case", "referred")
    case_id: UUID
    referral_id: UUID
    to_kind: RecipientKind
    to_id: UUID
    service: Code
    accept_by: AwareDatetime
    attempt: int = Field(ge=1)


class ReferralAccepted(Event):
    """The referred pillar accepted the referral."""

    kind: ClassVar[EventKind] = EventKind("cases", "referral", "accepted")
    referral_id: UUID
    case_id: UUID
    by_id: UUID


class ReferralDeclined(Event):
    """The referred pillar declined the referral."""

    kind: ClassVar[EventKind] = EventKind("cases", "referral", "declined")
    referral_id: UUID
    case_id: UUID
    by_id: UUID
    reason_code: ReasonCode


class ReferralExpired(Event):
    """Nobody answered the referral before its deadline."""

    kind: ClassVar[EventKind] = EventKind("cases", "referral", "expired")
    referral_id: UUID
    case_id: UUID
    to_id: UUID


class ReferralCompleted(Event):
    """The referred service was delivered; outcome and the broker's quality rating."""

    kind: ClassVar[EventKind] = EventKind("cases", "referral", "completed")
    referral_id: UUID
    case_id: UUID
    outcome: Code
    quality: int = Field(ge=1, le=5)


class ReferralWithdrawn(Event):
    """An open referral was withdrawn by the case side (consent withdrawn, case closed)."""

    kind: ClassVar[EventKind] = EventKind("cases", "referral", "withdrawn")
    referral_id: UUID
    case_id: UUID
    to_id: UUID
    reason_code: ReasonCode


class ClientPersonalDataErased(Event):
    """A client's personal data was erased on request (its key destroyed); cases stay."""

    kind: ClassVar[EventKind] = EventKind("cases", "client", "personal_data_erased")
    client_ref: str = Field(pattern=r"^[0-9a-f]{32,64}$", description="keyed HMAC of the NIK")
    erased_at: AwareDatetime


class CaseClosed(Event):
    """A case was closed."""

    kind: ClassVar[EventKind] = EventKind("cases", "case", "closed")
    case_id: UUID
    outcome: Code
    stage: Code


class DisasterPeriod(BaseModel):
    """The period of an emergency status."""

    model_config = ConfigDict(frozen=True)
    start: date
    end: date | None = None


class DisasterDeclared(Event):
    """An authority declared a state of disaster emergency for some regions."""

    kind: ClassVar[EventKind] = EventKind("cases", "disaster", "declared")
    disaster_id: UUID
    hazard: HazardCode
    name: str = Field(max_length=200, description="public name of the disaster, no personal data")
    status: DisasterStatus
    affected_regions: tuple[RegionCode, ...] = Field(min_length=1)
    authority: Code
    decree_no: str = Field(max_length=100)
    period: DisasterPeriod


class DisasterStatusChanged(Event):
    """A disaster moved to another emergency status stage."""

    kind: ClassVar[EventKind] = EventKind("cases", "disaster", "status_changed")
    disaster_id: UUID
    from_status: DisasterStatus
    to_status: DisasterStatus


class EarthquakeReported(Event):
    """An earthquake observation from a BMKG-format feed (not a declaration)."""

    kind: ClassVar[EventKind] = EventKind("cases", "earthquake", "reported")
    report_id: UUID
    magnitude: float = Field(ge=0, le=10)
    depth_km: float = Field(ge=0)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    occurred_at: AwareDatetime
    tsunami_potential: bool
    felt: str | None = Field(default=None, max_length=500)


EVENTS: tuple[type[Event], ...] = (
    CaseOpened,
    CaseAssessed,
    CaseReferred,
    ReferralAccepted,
    ReferralDeclined,
    ReferralExpired,
    ReferralCompleted,
    ReferralWithdrawn,
    ClientPersonalDataErased,
    CaseClosed,
    DisasterDeclared,
    DisasterStatusChanged,
    EarthquakeReported,
)
