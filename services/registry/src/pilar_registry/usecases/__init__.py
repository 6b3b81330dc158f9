"""Registry use cases: load, decide, save and stage events in one transaction."""

from pilar_registry.usecases.credentials import certify_volunteer, revoke_certification
from pilar_registry.usecases.expiry import scan_expiries
from pilar_registry.usecases.registration import (
    Refused,
    change_volunteer_status,
    register_volunteer,
    verify_volunteer,
)

__all__ = [
    "Refused",
    "certify_volunteer",
    "change_volunteer_status",
    "register_volunteer",
    "revoke_certification",
    "scan_expiries",
    "verify_volunteer",
]
