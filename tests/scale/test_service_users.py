"""A real service runs on the locked-down bus with its own NATS user, nothing more."""

from __future__ import annotations

from pathlib import Path

import nats
import pytest
from pydantic import SecretStr

from pilar_contracts.consumers import REGISTRY_CASES
from pilar_contracts.streams import REGISTRY
from pilar_kit.provision import provision
from pilar_kit.runtime import PERMISSIONS_VIOLATION
from pilar_registry.app import create_app
from pilar_registry.settings import RegistrySettings
from tests.api.harness import enrol, serving, settings_for
from tests.integration.kit_app import consumer_caught_up, wait_until
from tests.scale.conftest import Servers

pytestmark = pytest.mark.integration


async def test_registry_publishes_as_its_own_user(single_server: Servers, tmp_path: Path) -> None:
    ops = await nats.connect(single_server.url("solo"))
    try:
        js = ops.jetstream()
        await provision(js)  # only ops may create streams and consumers
        async with serving(create_app, registry_settings(single_server, tmp_path)) as (registry, _):
            ready = await registry.get("/readyz")
            assert ready.status_code == 200, ready.json()
            await enrol(registry, region="33.71.01.1003", serial=1, certificate_no="U-1")

            async def published() -> bool:
                info = await js.stream_info(REGISTRY.name)
                return info.state.messages >= 3  # registered, verified, certified

            await wait_until(published, "the registry's events in its stream")
    finally:
        await ops.close()


async def test_registry_consumes_as_its_own_user(
    single_server: Servers, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ops = await nats.connect(single_server.url("solo"))
    try:
        js = ops.jetstream()
        await provision(js)
        async with serving(create_app, registry_settings(single_server, tmp_path)):
            # any message on the consumer's subjects is settled: applied, ignored or dead-lettered
            ack = await js.publish("pilar.cases.case.referred.v1.33.71", b"{}")

            def refused() -> bool:
                return "permissions violation" in caplog.text.lower()

            async def settled_or_refused() -> bool:
                return refused() or await consumer_caught_up(js, REGISTRY_CASES, ack.seq)

            await wait_until(settled_or_refused, "registry-cases settled the message", within=10)
            assert not refused(), caplog.text[-2000:]
    finally:
        await ops.close()


async def test_a_refused_subject_reaches_the_runtime_as_a_permissions_violation(
    single_server: Servers,
) -> None:
    errors: list[str] = []

    async def noted(error: Exception) -> None:
        errors.append(str(error).lower())

    registry = await nats.connect(single_server.url("solo", "registry"), error_cb=noted)
    try:
        await registry.subscribe("pilar.private.>")  # only notifications may read these

        async def refused() -> bool:
            return any(PERMISSIONS_VIOLATION in error for error in errors)

        await wait_until(refused, "the refusal reported to the error callback", within=5)
    finally:
        await registry.close()


def registry_settings(server: Servers, tmp_path: Path) -> RegistrySettings:
    """The registry connecting as user `registry`, credentials apart from the URL."""
    return settings_for(
        RegistrySettings,
        f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}",
        f"nats://127.0.0.1:{server.ports['solo']}",
        tmp_path,
    ).model_copy(
        update={
            "nats_user": "registry",
            "nats_password": SecretStr(server.passwords["registry"]),
            "provision_on_start": False,
        }
    )
