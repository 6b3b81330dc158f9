"""Who may be referred or deployed: verified, active, certified, with free capacity."""

from __future__ import annotations

from datetime import date

from pilar_contracts.events.fields import VolunteerStatus
from pilar_registry.domain.people import Verification, Volunteer


def ineligibility(volunteer: Volunteer, today: date, *, scheme: str | None = None) -> list[str]:
    """Reasons a person cannot take work today; empty when eligible."""
    reasons = []
    if volunteer.verification is not Verification.VERIFIED:
        reasons.append("not_verified")
    if volunteer.status is not VolunteerStatus.ACTIVE:
        reasons.append(f"status_{volunteer.status.value}")
    held = [c for c in volunteer.certifications if scheme is None or c.scheme == scheme]
    if not any(c.is_valid_on(today) for c in held):
        reasons.append("no_valid_certification")
    if volunteer.open_referrals >= volunteer.capacity:
        reasons.append("no_capacity")
    return reasons


def is_eligible(volunteer: Volunteer, today: date, *, scheme: str | None = None) -> bool:
    """True when nothing stands in the way."""
    return not ineligibility(volunteer, today, scheme=scheme)
