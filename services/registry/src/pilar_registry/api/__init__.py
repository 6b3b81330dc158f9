"""Registry HTTP API."""

from pilar_registry.api.volunteers import router as volunteers

ROUTERS = [volunteers]
__all__ = ["ROUTERS"]
