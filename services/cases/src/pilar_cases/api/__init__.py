"""Cases HTTP API."""

from pilar_cases.api.audit import router as audit
from pilar_cases.api.cases import router as cases
from pilar_cases.api.disasters import router as disasters
from pilar_cases.api.earthquakes import router as earthquakes
from pilar_cases.api.lifecycle import router as lifecycle
from pilar_cases.api.pillars import router as pillars
from pilar_cases.api.referrals import router as referrals
from pilar_cases.api.victims import router as victims

ROUTERS = [cases, lifecycle, referrals, disasters, victims, earthquakes, audit, pillars]
__all__ = ["ROUTERS"]
