"""Analytics storage: the read-model tables, writing facts, and the indicator queries."""

from pilar_analytics.store.tables import READ_MODELS, Base

__all__ = ["READ_MODELS", "Base"]
