"""Who may call the registry API: operators by region, a PSKS only for its own record."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends

from pilar_kit.auth import Principal, Role, ensure_region, forbidden, require_roles

OPERATORS = (Role.NATIONAL_OPERATOR, Role.PROVINCIAL_OPERATOR, Role.REGENCY_OPERATOR)
Operator = Annotated[Principal, Depends(require_roles(*OPERATORS))]
Reader = Annotated[Principal, Depends(require_roles(*OPERATORS, Role.PSKS))]
NOT_YOUR_RECORD = "Akses ditolak: ini bukan data Anda"


def speaks_for(who: Principal, record_id: UUID) -> bool:
    """A PSKS token whose subject is a record's id speaks for that person or institution."""
    return who.role is Role.PSKS and who.subject == str(record_id)


def ensure_may_read(who: Principal, record_id: UUID, region: str) -> None:
    """Answer 403 unless the caller is the record itself or an operator of its region."""
    if who.role is Role.PSKS:
        if not speaks_for(who, record_id):
            raise forbidden(NOT_YOUR_RECORD)
        return
    ensure_region(who, region)
