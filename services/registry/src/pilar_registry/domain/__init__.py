"""Registry domain: PSKS people, their certifications and eligibility. Pure: no I/O."""

from pilar_registry.domain.certification import (
    EXPIRY_NOTICE_DAYS,
    Certification,
    has_expired,
    notice_due,
)
from pilar_registry.domain.credentials import certify, revoke
from pilar_registry.domain.eligibility import ineligibility, is_eligible
from pilar_registry.domain.people import (
    Contact,
    Registration,
    RegistryRuleBroken,
    Verification,
    Volunteer,
    change_status,
    register,
    verify,
    with_certification,
)
from pilar_registry.domain.psks import Finding, type_findings

__all__ = [
    "EXPIRY_NOTICE_DAYS",
    "Certification",
    "Contact",
    "Finding",
    "Registration",
    "RegistryRuleBroken",
    "Verification",
    "Volunteer",
    "certify",
    "change_status",
    "has_expired",
    "ineligibility",
    "is_eligible",
    "notice_due",
    "register",
    "revoke",
    "type_findings",
    "verify",
    "with_certification",
]
