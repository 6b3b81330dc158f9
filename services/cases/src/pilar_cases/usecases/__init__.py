"""Cases use cases: load, decide, save and stage events in one transaction."""

from pilar_cases.usecases.intake import Finding, Opened, Refused, open_case
from pilar_cases.usecases.personal import CaseRead, erase_personal_data, read_case
from pilar_cases.usecases.referrals import (
    Answered,
    accept_referral,
    complete_referral,
    decline_referral,
    expire_referral,
    overdue_referrals,
    refer_case,
)
from pilar_cases.usecases.scope import OutOfScope

__all__ = [
    "Answered",
    "CaseRead",
    "Finding",
    "Opened",
    "OutOfScope",
    "Refused",
    "accept_referral",
    "complete_referral",
    "decline_referral",
    "erase_personal_data",
    "expire_referral",
    "open_case",
    "overdue_referrals",
    "read_case",
    "refer_case",
]
