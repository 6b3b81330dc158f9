"""Registry persistence: tables and repositories."""

from pilar_registry.store.deployments import Deployments
from pilar_registry.store.tables import (
    Base,
    CertificationRow,
    CompetencyRow,
    DeploymentRow,
    DisasterRow,
    ExpiryNoticeRow,
    ReferralLoadRow,
    VolunteerRow,
    inbox,
    outbox,
)
from pilar_registry.store.tagana import tagana_in
from pilar_registry.store.volunteers import ConcurrentChange, Volunteers, region_columns

__all__ = [
    "Base",
    "CertificationRow",
    "CompetencyRow",
    "ConcurrentChange",
    "DeploymentRow",
    "Deployments",
    "DisasterRow",
    "ExpiryNoticeRow",
    "ReferralLoadRow",
    "VolunteerRow",
    "Volunteers",
    "inbox",
    "outbox",
    "region_columns",
    "tagana_in",
]
