"""The analytics HTTP API."""

from pilar_analytics.api.routes import router

__all__ = ["router"]
