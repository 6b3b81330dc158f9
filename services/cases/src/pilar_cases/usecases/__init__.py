"""Cases use cases: load, decide, save and stage events in one transaction."""

from pilar_cases.usecases.intake import Finding, Opened, Refused, open_case
from pilar_cases.usecases.lifecycle import assess_case, close_case, move_stage, record_consent
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
    "assess_case",
    "close_case",
    "complete_referral",
    "decline_referral",
    "erase_personal_data",
    "expire_referral",
    "move_stage",
    "open_case",
    "overdue_referrals",
    "read_case",
    "record_consent",
    "refer_case",
]
