"""The audit log of personal-data use (UU 27/2022): who, when, why, which case. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class AuditAction(StrEnum):
    """What was done with personal data, or instead of the client's consent."""

    READ_PERSONAL = "read_personal"
    CONSENT_OVERRIDE = "consent_override"
    ERASE_PERSONAL = "erase_personal"


@dataclass(frozen=True)
class AuditEntry:
    """One audited act; ``reason`` is the operator's own words."""

    action: AuditAction
    actor: str
    role: str
    at: datetime
    reason: str
    case_id: UUID | None = None
    client_ref: str | None = None
