"""Alembic environment of the analytics service."""

from pilar_analytics.store import Base
from pilar_kit.migrations import run_env

run_env(Base.metadata)
