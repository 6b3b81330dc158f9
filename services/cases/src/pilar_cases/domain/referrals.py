"""Referrals: sent with a deadline, answered, expired, completed or withdrawn; escalation. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pilar_cases.domain.cases import Case, CaseRuleBroken
from pilar_cases.domain.matching import Pillar
from pilar_contracts.events.cases import (
    CaseReferred,
    ReferralAccepted,
    ReferralCompleted,
    ReferralDeclined,
    ReferralExpired,
    ReferralWithdrawn,
)
from pilar_contracts.events.fields import RecipientKind


class ReferralStatus(StrEnum):
    """Where a referral stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = frozenset({ReferralStatus.PENDING, ReferralStatus.ACCEPTED})


@dataclass(frozen=True)
class ReferralPolicy:
    """How long a pillar has to answer, how much it carries, and how often the broker retries."""

    accept_within: timedelta = timedelta(hours=48)
    capacity: int = 5
    max_attempts: int = 5


@dataclass(frozen=True)
class Referral:
    """One attempt to link a case to a pillar."""

    id: UUID
    case_id: UUID
    region: str
    attempt: int
    to_id: UUID
    psks_type: str
    service: str
    sent_at: datetime
    accept_by: datetime
    status: ReferralStatus = ReferralStatus.PENDING
    to_kind: RecipientKind = RecipientKind.VOLUNTEER
    answered_at: datetime | None = None
    reason_code: str | None = None
    outcome: str | None = None
    quality: int | None = None
    version: int = 1


def send(
    case: Case,
    pillar: Pillar,
    *,
    referral_id: UUID,
    attempt: int,
    service: str,
    now: datetime,
    policy: ReferralPolicy,
) -> tuple[Referral, CaseReferred]:
    """Refer a case to a pillar, to be accepted before the deadline."""
    referral = Referral(
        id=referral_id,
        case_id=case.id,
        region=case.region,
        attempt=attempt,
        to_id=pillar.volunteer_id,
        psks_type=pillar.psks_type,
        service=service,
        sent_at=now,
        accept_by=now + policy.accept_within,
        to_kind=pillar.kind,
    )
    event = CaseReferred(
        case_id=case.id,
        referral_id=referral_id,
        to_kind=pillar.kind,
        to_id=pillar.volunteer_id,
        service=service,
        accept_by=referral.accept_by,
        attempt=attempt,
    )
    return referral, event


def _answerable(referral: Referral, by: UUID, now: datetime) -> None:
    if by != referral.to_id:
        raise CaseRuleBroken("not_addressee", "Rujukan ini tidak ditujukan kepada Anda")
    if referral.status is not ReferralStatus.PENDING:
        raise CaseRuleBroken("already_answered", f"Rujukan sudah berstatus {referral.status}")
    if now > referral.accept_by:
        raise CaseRuleBroken("deadline_passed", "Batas waktu menjawab rujukan sudah lewat")


def accept(referral: Referral, *, by: UUID, now: datetime) -> tuple[Referral, ReferralAccepted]:
    """The addressed pillar accepts before the deadline."""
    _answerable(referral, by, now)
    accepted = replace(referral, status=ReferralStatus.ACCEPTED, answered_at=now)
    return accepted, ReferralAccepted(referral_id=referral.id, case_id=referral.case_id, by_id=by)


def decline(
    referral: Referral, *, by: UUID, reason_code: str, now: datetime
) -> tuple[Referral, ReferralDeclined]:
    """The addressed pillar declines, with a reason code."""
    _answerable(referral, by, now)
    declined = replace(
        referral, status=ReferralStatus.DECLINED, answered_at=now, reason_code=reason_code
    )
    event = ReferralDeclined(
        referral_id=referral.id, case_id=referral.case_id, by_id=by, reason_code=reason_code
    )
    return declined, event


def is_overdue(referral: Referral, now: datetime) -> bool:
    """Tell whether a pending referral passed its deadline unanswered."""
    return referral.status is ReferralStatus.PENDING and now > referral.accept_by


def expire(referral: Referral, *, now: datetime) -> tuple[Referral, ReferralExpired]:
    """Close an unanswered referral whose deadline passed."""
    if not is_overdue(referral, now):
        raise CaseRuleBroken("not_overdue", "Rujukan belum melewati batas waktu")
    expired = replace(referral, status=ReferralStatus.EXPIRED, answered_at=now)
    event = ReferralExpired(referral_id=referral.id, case_id=referral.case_id, to_id=referral.to_id)
    return expired, event


def complete(
    referral: Referral, *, outcome: str, quality: int
) -> tuple[Referral, ReferralCompleted]:
    """Record that the service was delivered, its outcome and the broker's quality rating."""
    if referral.status is not ReferralStatus.ACCEPTED:
        raise CaseRuleBroken("not_accepted", "Hanya rujukan yang diterima dapat diselesaikan")
    if not 1 <= quality <= 5:
        raise CaseRuleBroken("quality_out_of_range", "Nilai kualitas harus 1 sampai 5")
    done = replace(referral, status=ReferralStatus.COMPLETED, outcome=outcome, quality=quality)
    event = ReferralCompleted(
        referral_id=referral.id, case_id=referral.case_id, outcome=outcome, quality=quality
    )
    return done, event


def withdraw(
    referral: Referral, *, reason_code: str, now: datetime
) -> tuple[Referral, ReferralWithdrawn]:
    """Call back a referral still pending or accepted (e.g. the client withdrew consent)."""
    if referral.status not in OPEN_STATUSES:
        raise CaseRuleBroken("referral_not_open", f"Rujukan sudah berstatus {referral.status}")
    withdrawn = replace(
        referral, status=ReferralStatus.WITHDRAWN, answered_at=now, reason_code=reason_code
    )
    event = ReferralWithdrawn(
        referral_id=referral.id,
        case_id=referral.case_id,
        to_id=referral.to_id,
        reason_code=reason_code,
    )
    return withdrawn, event


def ensure_none_open(referrals: Iterable[Referral]) -> None:
    """Refuse a new referral while another one of the case is pending or accepted."""
    if any(r.status in OPEN_STATUSES for r in referrals):
        raise CaseRuleBroken("referral_open", "Kasus masih memiliki rujukan yang berjalan")


def next_attempt(referrals: Iterable[Referral], policy: ReferralPolicy) -> int | None:
    """The attempt number of the next referral of a case, or None once attempts are used up."""
    attempt = max((r.attempt for r in referrals), default=0) + 1
    return attempt if attempt <= policy.max_attempts else None


def tried(referrals: Iterable[Referral]) -> frozenset[UUID]:
    """Pillars already asked for this case: escalation never asks them again."""
    return frozenset(r.to_id for r in referrals)
