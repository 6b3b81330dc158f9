"""Registry persistence: tables and repositories."""

from pilar_registry.store.deployments import Deployments
from pilar_registry.store.institution_rows import (
    AccreditationRow,
    InstitutionRow,
    InstitutionServiceRow,
)
from pilar_registry.store.institutions import Institutions, InstitutionSearch
from pilar_registry.store.tables import (
    Base,
    CertificationRow,
    CompetencyRow,
    DeploymentRow,
    DisasterRow,
    ExpiryNoticeRow,
    ReferralRow,
    TrainingRow,
    VolunteerRow,
    inbox,
    outbox,
)
from pilar_registry.store.tagana import tagana_in
from pilar_registry.store.volunteers import ConcurrentChange, Volunteers, region_columns

__all__ = [
    "AccreditationRow",
    "Base",
    "CertificationRow",
    "CompetencyRow",
    "ConcurrentChange",
    "DeploymentRow",
    "Deployments",
    "DisasterRow",
    "ExpiryNoticeRow",
    "InstitutionRow",
    "InstitutionSearch",
    "InstitutionServiceRow",
    "Institutions",
    "ReferralRow",
    "TrainingRow",
    "VolunteerRow",
    "Volunteers",
    "inbox",
    "outbox",
    "region_columns",
    "tagana_in",
]
