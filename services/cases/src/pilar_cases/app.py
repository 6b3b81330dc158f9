"""Wiring of the cases service: the only place that builds its runtime, keys and HTTP app."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI

from pilar_cases import api, handlers
from pilar_cases.api.deps import CasesContext
from pilar_cases.bmkg import BmkgFeed
from pilar_cases.jobs import ReferralExpiry
from pilar_cases.metrics import CasesMetrics
from pilar_cases.settings import CasesSettings
from pilar_cases.store import Base
from pilar_kit.db import create_engine
from pilar_kit.http import create_http_app
from pilar_kit.runtime import Runtime
from pilar_kit.settings import ServiceSettings

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger("pilar.cases")


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the cases runtime, its consumers, its jobs (referral expiry, BMKG feed) and API."""
    assert isinstance(settings, CasesSettings)
    policy = settings.referral_policy()
    jobs = [ReferralExpiry(settings.expiry_scan_seconds, policy).run]
    feed = BmkgFeed(settings.bmkg_url, settings.bmkg_poll_seconds) if settings.bmkg_url else None
    if feed is not None:
        jobs.append(feed.run)
    keyring = settings.keyring()
    key_engines = [create_engine(url) for url in settings.side_databases()]
    if key_engines:
        keyring.key_database = key_engines[0]
    runtime = Runtime(
        service="cases",
        settings=settings,
        metadata=Base.metadata,
        migrations=MIGRATIONS,
        routers=[handlers.registry_events],
        jobs=jobs,
        side_engines=key_engines,
    )
    if settings.uses_dev_keys:
        log.warning("development-only keys: set PILAR_CASES_MASTER_KEY and _CLIENT_REF_KEY")
    elif not key_engines:
        log.warning(
            "clients' data keys live in the cases database, so its backups hold them: "
            "set PILAR_CASES_KEY_DATABASE_URL for erasures that reach backups"
        )
    app = create_http_app(
        runtime,
        title="Pilar cases",
        description="Kasus PMKS/PPKS, rujukan ke PSKS terdekat, dan deklarasi bencana.",
        routers=api.ROUTERS,
    )
    metrics = CasesMetrics(runtime.registry)
    if feed is not None:
        feed.metrics = metrics
    app.state.cases = CasesContext(keyring=keyring, policy=policy, metrics=metrics)
    return app
