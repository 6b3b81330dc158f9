"""Registry HTTP API."""

from pilar_registry.api.competencies import router as competencies
from pilar_registry.api.deployments import router as deployments
from pilar_registry.api.institutions import router as institutions
from pilar_registry.api.volunteers import router as volunteers

ROUTERS = [volunteers, competencies, institutions, deployments]
__all__ = ["ROUTERS"]
