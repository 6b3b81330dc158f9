"""Certifications of PSKS people: validity, revocation, expiry notices. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

EXPIRY_NOTICE_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class Certification:
    """A certification (or membership, licence) held by a PSKS person."""

    id: UUID
    scheme: str
    level: str | None
    certificate_no: str
    valid_from: date
    valid_until: date | None
    issuer: str | None = None
    revoked_at: datetime | None = None
    revoke_reason: str | None = None

    def is_valid_on(self, day: date) -> bool:
        """In force on a day: started, not ended, not revoked."""
        if self.revoked_at is not None or day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until

    def revoke(self, reason_code: str, at: datetime) -> Certification:
        """The same certification, revoked."""
        return replace(self, revoked_at=at, revoke_reason=reason_code)


def notice_due(valid_until: date | None, today: date, sent: set[int]) -> int | None:
    """The expiry notice (days before the end) due today, if one is owed.

    A scheduler that missed a day still sends the nearest notice it owes, and never an earlier
    one afterwards: a holder is not told "30 days left" after hearing "7 days left".
    """
    if valid_until is None:
        return None
    days_left = (valid_until - today).days
    candidates = [d for d in EXPIRY_NOTICE_DAYS if 0 <= days_left <= d]
    if not candidates:
        return None
    target = min(candidates)
    if target in sent or any(s < target for s in sent):
        return None
    return target


def has_expired(valid_until: date | None, today: date) -> bool:
    """True once the last valid day has passed."""
    return valid_until is not None and today > valid_until
