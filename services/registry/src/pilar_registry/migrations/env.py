"""Alembic environment of the registry service."""

from pilar_kit.migrations import run_env
from pilar_registry.store import Base

run_env(Base.metadata)
