"""Registry persistence: tables and repositories."""

from pilar_registry.store.tables import (
    Base,
    CertificationRow,
    CompetencyRow,
    ExpiryNoticeRow,
    ReferralLoadRow,
    VolunteerRow,
    inbox,
    outbox,
)
from pilar_registry.store.volunteers import ConcurrentChange, Volunteers, region_columns

__all__ = [
    "Base",
    "CertificationRow",
    "CompetencyRow",
    "ConcurrentChange",
    "ExpiryNoticeRow",
    "ReferralLoadRow",
    "VolunteerRow",
    "Volunteers",
    "inbox",
    "outbox",
    "region_columns",
]
