"""Cases store: tables, repositories and the registry replica."""

from pilar_cases.store.audit import AuditQuery, record, trail
from pilar_cases.store.cases import Cases, ConcurrentChange
from pilar_cases.store.clients import Clients
from pilar_cases.store.referrals import Referrals
from pilar_cases.store.replica import (
    candidates,
    end_certification,
    pillars_in_scope,
    replicate_certification,
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
    "outbox",
    "pillars_in_scope",
    "record",
    "replicate_certification",
    "replicate_status",
    "trail",
]
