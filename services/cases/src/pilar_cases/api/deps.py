"""What the cases routes depend on: callers by role, and the service's keys and policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from pilar_cases.domain import ReferralPolicy
from pilar_cases.keyring import Keyring
from pilar_cases.metrics import CasesMetrics
from pilar_kit.auth import Principal, Role, require_roles

OPERATORS = (Role.NATIONAL_OPERATOR, Role.PROVINCIAL_OPERATOR, Role.REGENCY_OPERATOR)
Operator = Annotated[Principal, Depends(require_roles(*OPERATORS))]
Psks = Annotated[Principal, Depends(require_roles(Role.PSKS))]
Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR))]


@dataclass(frozen=True)
class CasesContext:
    """The keyring, the broker's policy and the domain metrics, built once by ``app``."""

    keyring: Keyring
    policy: ReferralPolicy
    metrics: CasesMetrics


async def _context(request: Request) -> CasesContext:  # async: no worker thread per request
    context: CasesContext = request.app.state.cases
    return context


ContextDep = Annotated[CasesContext, Depends(_context)]
