"""Cases HTTP API."""

from pilar_cases.api.audit import router as audit
from pilar_cases.api.cases import router as cases
from pilar_cases.api.pillars import router as pillars
from pilar_cases.api.referrals import router as referrals

ROUTERS = [cases, referrals, audit, pillars]
__all__ = ["ROUTERS"]
