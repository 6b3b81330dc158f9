"""Wiring of the cases service: the only place that builds its runtime and HTTP app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from pilar_cases import api, handlers
from pilar_cases.store import Base
from pilar_kit.http import create_http_app
from pilar_kit.runtime import Runtime
from pilar_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the cases runtime, its consumers and HTTP API."""
    runtime = Runtime(
        service="cases",
        settings=settings,
        metadata=Base.metadata,
        migrations=MIGRATIONS,
        routers=[handlers.registry_events],
    )
    return create_http_app(
        runtime,
        title="Pilar cases",
        description="Kasus PMKS/PPKS, rujukan ke PSKS terdekat, dan deklarasi bencana.",
        routers=[api.router],
    )
