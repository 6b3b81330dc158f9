"""Wiring of the analytics service: the only place that builds its runtime and HTTP app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from pilar_analytics import api, dashboard
from pilar_analytics.handlers import ROUTERS
from pilar_analytics.metrics import FigureMetrics
from pilar_analytics.settings import AnalyticsSettings
from pilar_analytics.store import Base
from pilar_analytics.store.snapshots import FIGURES
from pilar_analytics.watch import Watch
from pilar_kit.http import create_http_app
from pilar_kit.runtime import Runtime
from pilar_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the analytics runtime, its consumers, the watch and the HTTP API."""
    assert isinstance(settings, AnalyticsSettings)
    runtime = Runtime(
        service="analytics",
        settings=settings,
        metadata=Base.metadata,
        migrations=MIGRATIONS,
        routers=ROUTERS,
        jobs=[Watch(settings).run],
    )
    # the store counts its figure reads on the metrics its sessions carry
    runtime.sessions.configure(info={FIGURES: FigureMetrics(runtime.registry)})
    return create_http_app(
        runtime,
        title="Pilar analytics",
        description="Indikator per wilayah: keseimbangan PSKS dan PMKS, rujukan, dan bencana.",
        routers=[api.router, dashboard.router],
    )
