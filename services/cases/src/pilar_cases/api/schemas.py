"""Request and response bodies of the cases API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from pilar_cases.domain import Assessment, Case, ClientKind, PersonalData, Referral, RiskLevel
from pilar_cases.domain.audit import AuditEntry
from pilar_contracts.events.fields import Code, PmksCategory, ReasonCode, RegionCode, Urgency

Phone = Field(default=None, pattern=r"^\+?[0-9]{8,15}$")


class CaseCreate(BaseModel):
    """A client to take in; identity data is sealed at rest and never leaves the service."""

    model_config = ConfigDict(extra="forbid")
    client_kind: ClientKind = Field(
        default=ClientKind.PERSON, description="for a family or community: NIK of its head"
    )
    nik: str = Field(max_length=32, description="16-digit NIK; spaces, dots, hyphens ignored")
    kk: str | None = Field(default=None, max_length=32, description="No. KK, 16 digits")
    display_name: str = Field(min_length=1, max_length=200)
    birth_date: date | None = None
    sex: Literal["M", "F"] | None = None
    phone: str | None = Phone
    address: str | None = Field(default=None, max_length=500)
    pmks_category: PmksCategory
    region: RegionCode
    urgency: Urgency = Urgency.ROUTINE
    consent: Literal["given", "refused"]
    disaster_id: UUID | None = None


class FindingPublic(BaseModel):
    """A warning for the operator."""

    code: str
    message: str


class ConsentPublic(BaseModel):
    """The client's consent and who recorded it when."""

    status: Literal["given", "refused"]
    recorded_by: str
    recorded_at: datetime


class ReferralPublic(BaseModel):
    """A referral as the API shows it (no personal data)."""

    id: UUID
    case_id: UUID
    attempt: int
    to_id: UUID
    to_kind: str = Field(description="volunteer (a PSKS person) or institution (an LKS, LK3, ...)")
    psks_type: str
    service: str
    status: str
    sent_at: datetime
    accept_by: datetime
    answered_at: datetime | None
    reason_code: str | None
    outcome: str | None
    quality: int | None

    @classmethod
    def of(cls, r: Referral) -> ReferralPublic:
        """Map a domain referral."""
        return cls(
            id=r.id,
            case_id=r.case_id,
            attempt=r.attempt,
            to_id=r.to_id,
            to_kind=r.to_kind.value,
            psks_type=r.psks_type,
            service=r.service,
            status=r.status.value,
            sent_at=r.sent_at,
            accept_by=r.accept_by,
            answered_at=r.answered_at,
            reason_code=r.reason_code,
            outcome=r.outcome,
            quality=r.quality,
        )


class PersonalPublic(BaseModel):
    """A client's personal data, shown only for an audited reason."""

    nik: str
    kk: str | None
    display_name: str
    birth_date: date | None
    sex: str | None
    phone: str | None
    address: str | None

    @classmethod
    def of(cls, p: PersonalData) -> PersonalPublic:
        """Map the opened personal data."""
        return cls(
            nik=p.nik,
            kk=p.kk,
            display_name=p.display_name,
            birth_date=p.birth_date,
            sex=p.sex,
            phone=p.phone,
            address=p.address,
        )


class AssessmentPublic(BaseModel):
    """The latest assessment of a case."""

    needs: list[str]
    risk_level: RiskLevel
    assessed_by: str
    assessed_at: datetime

    @classmethod
    def of(cls, a: Assessment) -> AssessmentPublic:
        """Map a domain assessment."""
        return cls(
            needs=list(a.needs),
            risk_level=a.risk_level,
            assessed_by=a.assessed_by,
            assessed_at=a.assessed_at,
        )


class CasePublic(BaseModel):
    """A case without personal data."""

    id: UUID
    client_ref: str
    client_kind: ClientKind
    pmks_category: str
    region: str
    urgency: Urgency
    stage: str
    status: str
    consent: ConsentPublic
    disaster_id: UUID | None
    opened_by: str
    opened_at: datetime
    outcome: str | None
    closed_at: datetime | None
    assessment: AssessmentPublic | None = None

    @classmethod
    def fields_of(cls, c: Case) -> dict[str, object]:
        """The fields of a domain case."""
        consent = ConsentPublic(
            status="given" if c.consent.given else "refused",
            recorded_by=c.consent.recorded_by,
            recorded_at=c.consent.recorded_at,
        )
        return {
            "id": c.id,
            "client_ref": c.client_ref,
            "client_kind": c.client_kind,
            "pmks_category": c.pmks_category,
            "region": c.region,
            "urgency": c.urgency,
            "stage": c.stage.value,
            "status": c.status.value,
            "consent": consent,
            "disaster_id": c.disaster_id,
            "opened_by": c.opened_by,
            "opened_at": c.opened_at,
            "outcome": c.outcome,
            "closed_at": c.closed_at,
            "assessment": AssessmentPublic.of(c.assessment) if c.assessment else None,
        }

    @classmethod
    def of(cls, c: Case) -> CasePublic:
        """Map a domain case."""
        return cls.model_validate(cls.fields_of(c))


class CaseOpenedPublic(CasePublic):
    """A case just opened, with warnings and the client's other cases in the operator's region."""

    warnings: list[FindingPublic]
    earlier_case_ids: list[UUID]


class CasePage(BaseModel):
    """A page of the case list; pass ``next_cursor`` as ``after`` for the next one."""

    items: list[CasePublic]
    next_cursor: UUID | None


class CaseDetail(CasePublic):
    """A case with its referrals and, for an audited reason, its client's personal data."""

    referrals: list[ReferralPublic]
    personal: PersonalPublic | None = Field(description="absent unless ?reason= is given")
    personal_erased: bool | None = Field(description="true when the data was shredded")


class ReferralCreate(BaseModel):
    """A request to refer a case; without consent an override reason is required (audited)."""

    model_config = ConfigDict(extra="forbid")
    override_reason: str | None = Field(default=None, min_length=5, max_length=500)


class Decline(BaseModel):
    """Why a pillar declines."""

    model_config = ConfigDict(extra="forbid")
    reason_code: ReasonCode


class Completion(BaseModel):
    """The outcome of a delivered referral and the broker's quality rating."""

    model_config = ConfigDict(extra="forbid")
    outcome: Code
    quality: int = Field(ge=1, le=5)


class AnsweredPublic(BaseModel):
    """A referral that closed unaccepted, and the next one the broker sent (null if none)."""

    referral: ReferralPublic
    next: ReferralPublic | None


class AuditPublic(BaseModel):
    """One audit row."""

    id: int
    at: datetime
    actor: str
    role: str
    action: str
    reason: str
    case_id: UUID | None
    client_ref: str | None

    @classmethod
    def of(cls, row_id: int, e: AuditEntry) -> AuditPublic:
        """Map an audit entry."""
        return cls(
            id=row_id,
            at=e.at,
            actor=e.actor,
            role=e.role,
            action=e.action.value,
            reason=e.reason,
            case_id=e.case_id,
            client_ref=e.client_ref,
        )
