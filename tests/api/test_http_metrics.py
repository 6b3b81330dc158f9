"""Every API answers with its rate and latency per route template, never per concrete path."""

from __future__ import annotations

from pathlib import Path

import pytest

from pilar_kit.auth import Role
from pilar_kit.natsserver import NatsServer
from pilar_registry.app import create_app
from pilar_registry.settings import RegistrySettings
from tests.api.harness import bearer, serving, settings_for

pytestmark = pytest.mark.integration
MISSING = "01a20fc0-0000-7000-8000-000000000000"


async def test_requests_are_counted_and_timed_by_route_template(
    nats_server: NatsServer, tmp_path: Path
) -> None:
    settings = settings_for(
        RegistrySettings, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", nats_server.url, tmp_path
    )
    async with serving(create_app, settings) as (registry, _):
        operator = bearer(Role.NATIONAL_OPERATOR)
        assert (await registry.get(f"/volunteers/{MISSING}", headers=operator)).status_code == 404
        assert (await registry.get("/no/such/path")).status_code == 404
        metrics = (await registry.get("/metrics")).text
    template = 'method="GET",route="/volunteers/{volunteer_id}",service="registry",status="404"'
    assert f"pilar_http_requests_total{{{template}}} 1.0" in metrics
    assert 'route="unmatched",service="registry",status="404"' in metrics
    assert MISSING not in metrics
    assert "/no/such/path" not in metrics
    assert (
        'pilar_http_request_seconds_count{method="GET",route="/volunteers/{volunteer_id}"'
        in metrics
    )
