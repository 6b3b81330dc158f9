"""PMKS cases: intake, the case-management stages (DOMAIN.md 6.2), consent and closing. Pure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pilar_contracts.events.cases import CaseAssessed, CaseClosed, CaseOpened
from pilar_contracts.events.fields import Urgency


class CaseRuleBroken(ValueError):  # noqa: N818  a verdict of the domain
    """A case rule refuses the command; ``code`` is machine-readable, the message for operators."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.details = code, details


class Stage(StrEnum):
    """Case-management stages (Permensos 9/2015 Pasal 13) plus monitoring."""

    PENDEKATAN_AWAL = "pendekatan_awal"  # engagement and intake
    ASESMEN = "asesmen"  # pengungkapan dan pemahaman masalah
    RENCANA = "rencana"  # penyusunan rencana pemecahan masalah
    PEMECAHAN_MASALAH = "pemecahan_masalah"  # intervention
    RESOSIALISASI = "resosialisasi"  # reintegration
    TERMINASI = "terminasi"
    BIMBINGAN_LANJUT = "bimbingan_lanjut"  # aftercare
    MONITORING = "monitoring"


# Forward one step at a time; monitoring can be entered once work has a plan and left to act again.
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.PENDEKATAN_AWAL: frozenset({Stage.ASESMEN}),
    Stage.ASESMEN: frozenset({Stage.RENCANA}),
    Stage.RENCANA: frozenset({Stage.PEMECAHAN_MASALAH, Stage.MONITORING}),
    Stage.PEMECAHAN_MASALAH: frozenset({Stage.RESOSIALISASI, Stage.TERMINASI, Stage.MONITORING}),
    Stage.RESOSIALISASI: frozenset({Stage.TERMINASI, Stage.MONITORING}),
    Stage.TERMINASI: frozenset({Stage.BIMBINGAN_LANJUT}),
    Stage.BIMBINGAN_LANJUT: frozenset({Stage.MONITORING}),
    Stage.MONITORING: frozenset({Stage.PEMECAHAN_MASALAH, Stage.RESOSIALISASI, Stage.TERMINASI}),
}


class CaseStatus(StrEnum):
    """Whether work on a case goes on."""

    OPEN = "open"
    CLOSED = "closed"


class ClientKind(StrEnum):
    """Who the case is about; for a family or community the NIK is that of its head or contact."""

    PERSON = "person"
    FAMILY = "family"
    COMMUNITY = "community"


# Which PMKS units (reference/pmks_categories.json) a kind of client can stand for.
UNITS_OF_KIND: dict[ClientKind, frozenset[str]] = {
    ClientKind.PERSON: frozenset({"person"}),
    ClientKind.FAMILY: frozenset({"family", "household"}),
    ClientKind.COMMUNITY: frozenset({"community", "group"}),
}


@dataclass(frozen=True)
class Consent:
    """The client's consent to share their case for referral, and who recorded it when."""

    given: bool
    recorded_by: str
    recorded_at: datetime


class RiskLevel(StrEnum):
    """How endangered the client is, as the assessing worker judges it."""

    RENDAH = "rendah"
    SEDANG = "sedang"
    TINGGI = "tinggi"


@dataclass(frozen=True)
class Assessment:
    """What the assessment found: the services the client needs and the risk level."""

    needs: tuple[str, ...]
    risk_level: RiskLevel
    assessed_by: str
    assessed_at: datetime


@dataclass(frozen=True)
class Intake:
    """What an operator submits to open a case (personal data travels separately, sealed)."""

    client_kind: ClientKind
    pmks_category: str
    region: str
    urgency: Urgency
    consent_given: bool
    disaster_id: UUID | None = None


@dataclass(frozen=True)
class Case:
    """A PMKS case of one client, named only by ``client_ref``."""

    id: UUID
    client_ref: str
    client_kind: ClientKind
    pmks_category: str
    region: str
    urgency: Urgency
    consent: Consent
    opened_by: str
    opened_at: datetime
    stage: Stage = Stage.PENDEKATAN_AWAL
    status: CaseStatus = CaseStatus.OPEN
    disaster_id: UUID | None = None
    outcome: str | None = None
    closed_at: datetime | None = None
    assessment: Assessment | None = None
    version: int = 1


def kind_fits(kind: ClientKind, units: tuple[str, ...]) -> bool:
    """Tell whether a client kind suits the units a PMKS category applies to."""
    return bool(UNITS_OF_KIND[kind] & set(units))


def open_case(
    intake: Intake, *, case_id: UUID, client_ref: str, by: str, now: datetime
) -> tuple[Case, CaseOpened]:
    """Open a case at the first stage, with consent recorded by the operator."""
    case = Case(
        id=case_id,
        client_ref=client_ref,
        client_kind=intake.client_kind,
        pmks_category=intake.pmks_category,
        region=intake.region,
        urgency=intake.urgency,
        consent=Consent(intake.consent_given, recorded_by=by, recorded_at=now),
        opened_by=by,
        opened_at=now,
        disaster_id=intake.disaster_id,
    )
    event = CaseOpened(
        case_id=case_id,
        client_ref=client_ref,
        pmks_category=case.pmks_category,
        region=case.region,
        urgency=case.urgency,
        disaster_id=case.disaster_id,
        opened_by=by,
    )
    return case, event


def _ensure_open(case: Case) -> None:
    if case.status is CaseStatus.CLOSED:
        raise CaseRuleBroken("case_closed", "Kasus sudah ditutup")


def move_stage(case: Case, to: Stage) -> Case:
    """Move an open case to an allowed next stage."""
    _ensure_open(case)
    if to not in TRANSITIONS[case.stage]:
        raise CaseRuleBroken(
            "stage_not_allowed",
            f"Tahap {case.stage.value} tidak dapat berlanjut ke {to.value}",
            allowed=sorted(s.value for s in TRANSITIONS[case.stage]),
        )
    return replace(case, stage=to)


def assess(
    case: Case, *, needs: tuple[str, ...], risk_level: RiskLevel, by: str, now: datetime
) -> tuple[Case, CaseAssessed]:
    """Record an assessment; a case still at engagement thereby enters the asesmen stage."""
    _ensure_open(case)
    unique = tuple(dict.fromkeys(needs))
    if not unique:
        raise CaseRuleBroken("needs_missing", "Asesmen harus menyebut minimal satu kebutuhan")
    stage = Stage.ASESMEN if case.stage is Stage.PENDEKATAN_AWAL else case.stage
    assessment = Assessment(unique, risk_level, assessed_by=by, assessed_at=now)
    assessed = replace(case, stage=stage, assessment=assessment)
    return assessed, CaseAssessed(case_id=case.id, needs=unique, risk_level=risk_level.value)


def record_consent(case: Case, *, given: bool, by: str, now: datetime) -> Case:
    """Record a new consent decision (given or withdrawn) on an open case."""
    _ensure_open(case)
    return replace(case, consent=Consent(given, recorded_by=by, recorded_at=now))


def ensure_referable(case: Case, override_reason: str | None) -> bool:
    """Refuse a referral without consent unless overridden; return whether it was overridden."""
    _ensure_open(case)
    if case.consent.given:
        return False
    if override_reason is None or not override_reason.strip():
        raise CaseRuleBroken(
            "consent_missing",
            "Klien tidak memberikan persetujuan; rujukan hanya dengan alasan (override_reason)",
        )
    return True


def may_escalate(case: Case, override_at: datetime | None) -> bool:
    """Whether the broker may send a case on: consent, or an override after the latest decision."""
    # A withdrawal of consent after an override stops the chain until the next override.
    if case.status is CaseStatus.CLOSED:
        return False
    if case.consent.given:
        return True
    return override_at is not None and override_at >= case.consent.recorded_at


def close_case(case: Case, *, outcome: str, now: datetime) -> tuple[Case, CaseClosed]:
    """Close an open case with an outcome code, at whatever stage it reached."""
    _ensure_open(case)
    closed = replace(case, status=CaseStatus.CLOSED, outcome=outcome, closed_at=now)
    return closed, CaseClosed(case_id=case.id, outcome=outcome, stage=case.stage.value)
