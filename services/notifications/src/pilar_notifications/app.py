"""Wiring of the notifications service: the only place that builds its runtime and HTTP app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from pilar_kit.http import create_http_app
from pilar_kit.runtime import Runtime
from pilar_kit.settings import ServiceSettings
from pilar_notifications import api, directory, directory_api, handlers
from pilar_notifications.channels import Channel, EmailChannel
from pilar_notifications.dispatcher import Dispatcher
from pilar_notifications.gateway import GatewayChannel
from pilar_notifications.poster import Poster
from pilar_notifications.settings import NotificationsSettings
from pilar_notifications.store import Base
from pilar_notifications.webhook import WebhookChannel

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ServiceSettings) -> FastAPI:
    """Build the notifications runtime, its consumers, dispatcher and HTTP API."""
    assert isinstance(settings, NotificationsSettings)
    dispatcher = Dispatcher(settings, channels_from(settings))

    async def register_systems(runtime: Runtime) -> None:
        """Keep the directory's ministry systems in step with the configured webhooks."""
        async with runtime.transaction() as session:
            await directory.register_systems(session, settings.webhooks)

    runtime = Runtime(
        service="notifications",
        settings=settings,
        metadata=Base.metadata,
        migrations=MIGRATIONS,
        routers=[handlers.contacts, handlers.registry_events, handlers.case_events],
        jobs=[register_systems, dispatcher.run],
    )
    return create_http_app(
        runtime,
        title="Pilar notifications",
        description="Pemberitahuan kepada PSKS dan operator melalui e-mail, SMS, WhatsApp, "
        "dan webhook bertanda tangan untuk sistem kementerian.",
        routers=[api.router, directory_api.router],
    )


def channels_from(settings: NotificationsSettings) -> dict[str, Channel]:
    """E-mail always; SMS, WhatsApp and webhooks when configured."""
    channels: dict[str, Channel] = {
        "email": EmailChannel(
            settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_timeout
        )
    }
    token = settings.gateway_token.get_secret_value()
    # One pool for both gateways, a kept-alive connection per send in flight.
    poster = _poster(settings, settings.gateway_timeout)
    gateways = {"sms": settings.sms_gateway_url, "whatsapp": settings.whatsapp_gateway_url}
    for name, url in gateways.items():
        if url:
            channels[name] = GatewayChannel(name, url, token, poster)
    if settings.webhooks:
        hooks = _poster(settings, settings.webhook_timeout)
        channels["webhook"] = WebhookChannel(settings.webhooks, hooks)
    return channels


def _poster(settings: NotificationsSettings, timeout: float) -> Poster:
    """A pool of ``DISPATCH_CONCURRENCY`` connections, through the configured proxy if any."""
    return Poster(
        settings.dispatch_concurrency,
        timeout,
        trust_env=settings.http_trust_env,
        proxy=settings.http_proxy,
    )
