"""Alembic environment of the notifications service."""

from pilar_kit.migrations import run_env
from pilar_notifications.store import Base

run_env(Base.metadata)
