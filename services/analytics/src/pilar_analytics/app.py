"""Wiring of the analytics service: the only place that builds its runtime and HTTP app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from pilar_analytics import api, handlers
from pilar_analytics.store import Base
from pilar_kit.http import create_http_app
from pilar_kit.runtime import Runtime
from pilar_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the analytics runtime, its consumers and HTTP API."""
    runtime = Runtime(
        service="analytics",
        settings=settings,
        metadata=Base.metadata,
        migrations=MIGRATIONS,
        routers=[handlers.registry_events],
    )
    return create_http_app(
        runtime,
        title="Pilar analytics",
        description="Indikator per wilayah: keseimbangan PSKS dan PMKS, rujukan, dan bencana.",
        routers=[api.router],
    )
