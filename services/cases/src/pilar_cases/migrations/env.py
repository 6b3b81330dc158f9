"""Alembic environment of the cases service."""

from pilar_cases.store import Base
from pilar_kit.migrations import run_env

run_env(Base.metadata)
