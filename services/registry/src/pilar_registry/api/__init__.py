"""Registry HTTP API."""

from pilar_registry.api.deployments import router as deployments
from pilar_registry.api.volunteers import router as volunteers

ROUTERS = [volunteers, deployments]
__all__ = ["ROUTERS"]
