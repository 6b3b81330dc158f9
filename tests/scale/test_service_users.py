"""A real service runs on the locked-down bus with its own NATS user, nothing more."""

from __future__ import annotations

from pathlib import Path

import nats
import pytest
from pydantic import SecretStr

from pilar_contracts.streams import REGISTRY
from pilar_kit.provision import provision
from pilar_registry.app import create_app
from pilar_registry.settings import RegistrySettings
from tests.api.harness import enrol, serving, settings_for
from tests.integration.kit_app import wait_until
from tests.scale.conftest import Servers

pytestmark = pytest.mark.integration


async def test_registry_publishes_and_consumes_as_its_own_user(
    single_server: Servers, tmp_path: Path
) -> None:
    ops = await nats.connect(single_server.url("solo"))
    try:
        js = ops.jetstream()
        await provision(js)  # only ops may create streams and consumers
        settings = settings_for(
            RegistrySettings,
            f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
            f"nats://127.0.0.1:{single_server.ports['solo']}",  # no credentials in the URL
            tmp_path,
        ).model_copy(
            update={
                "nats_user": "registry",
                "nats_password": SecretStr(single_server.passwords["registry"]),
                "provision_on_start": False,
            }
        )
        async with serving(create_app, settings) as (registry, _):
            ready = await registry.get("/readyz")
            assert ready.status_code == 200, ready.json()
            await enrol(registry, region="33.71.01.1003", serial=1, certificate_no="U-1")

            async def published() -> bool:
                info = await js.stream_info(REGISTRY.name)
                return info.state.messages >= 3  # registered, verified, certified

            await wait_until(published, "the registry's events in its stream")
    finally:
        await ops.close()
