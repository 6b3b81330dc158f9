"""Cases store: tables, repositories and the registry replica."""

from pilar_cases.store.audit import AuditQuery, latest_override, record, trail
from pilar_cases.store.cases import Cases, CaseSearch, ConcurrentChange
from pilar_cases.store.clients import Clients
from pilar_cases.store.institutions import (
    institution_candidates,
    replicate_accreditation,
    replicate_institution,
    replicate_institution_status,
    replicate_verification,
)
from pilar_cases.store.referrals import Referrals
from pilar_cases.store.replica import (
    candidates,
    end_certification,
    pillars_in_scope,
    replicate_certification,
    replicate_competencies,
    replicate_status,
)
from pilar_cases.store.tables import (
    AuditRow,
    Base,
    CaseRow,
    ClientKeyRow,
    ClientRow,
    PillarRow,
    ReferralRow,
    inbox,
    outbox,
)

__all__ = [
    "AuditQuery",
    "AuditRow",
    "Base",
    "CaseRow",
    "CaseSearch",
    "Cases",
    "ClientKeyRow",
    "ClientRow",
    "Clients",
    "ConcurrentChange",
    "PillarRow",
    "ReferralRow",
    "Referrals",
    "candidates",
    "end_certification",
    "inbox",
    "institution_candidates",
    "latest_override",
    "outbox",
    "pillars_in_scope",
    "record",
    "replicate_accreditation",
    "replicate_certification",
    "replicate_competencies",
    "replicate_institution",
    "replicate_institution_status",
    "replicate_status",
    "replicate_verification",
    "trail",
]
