"""Wiring of the registry service: the only place that builds its runtime and HTTP app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from pilar_kit.http import create_http_app
from pilar_kit.runtime import Runtime
from pilar_kit.settings import ServiceSettings
from pilar_registry import api, handlers
from pilar_registry.jobs import ExpiryScheduler
from pilar_registry.metrics import RegistryMetrics
from pilar_registry.settings import RegistrySettings
from pilar_registry.store import Base

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the registry's runtime and HTTP API."""
    assert isinstance(settings, RegistrySettings)
    runtime = Runtime(
        service="registry",
        settings=settings,
        metadata=Base.metadata,
        migrations=MIGRATIONS,
        routers=[handlers.cases_events],
        jobs=[ExpiryScheduler(settings.expiry_scan_seconds).run],
    )
    metrics = RegistryMetrics(runtime.registry)
    handlers.wire(runtime.outbox, settings, metrics)
    app = create_http_app(
        runtime,
        title="Pilar registry",
        description="Registri nasional PSKS: relawan, lembaga, sertifikasi, dan pengerahan Tagana.",
        routers=api.ROUTERS,
    )
    app.state.registry_metrics = metrics
    return app
