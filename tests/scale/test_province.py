"""A province on its own leaf node, with the real services: it keeps registering, referring and
notifying while its link to the hub is cut, and national analytics catches up to exact totals.

Province 33 runs the four services against its leaf node, each with its own NATS user of
accounts.conf; the hub runs national analytics. Streams and consumers are provisioned by ops on
both sides and the hub sources the province's public streams (deploy/nats/federation.py), as
deployed. The link is a TCP relay the test cuts and restores.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from nats.aio.client import Client

from deploy.nats.federation import FEDERATED, federate, province_events
from pilar_contracts.streams import CASES, NOTIFICATIONS, PRIVATE, REGISTRY
from pilar_kit.auth import Role
from pilar_kit.mailcatcher import MailCatcher
from pilar_kit.provision import provision
from tests.e2e.platform import SERVICES, Platform
from tests.e2e.test_referral_proof import (
    PSM,
    PSM_NEXT_DISTRICT,
    _delivered,
    _enrol,
    _mail_to,
    _refer,
    _replicated,
)
from tests.e2e.test_walking_skeleton import eventually, mail
from tests.integration.kit_app import connect, wait_until
from tests.scale.conftest import PROVINCE, HubAndLeaf

pytestmark = pytest.mark.e2e
__all__ = ["mail"]
NATIONAL = Role.NATIONAL_OPERATOR
DEADLINE = 60.0


@asynccontextmanager
async def services_on(
    folder: Path, nats_url: str, names: Iterable[str], smtp_port: int
) -> AsyncIterator[Platform]:
    """Start services as processes against one server, each with its own NATS user and SQLite;
    the caller waits until they are ready."""
    folder.mkdir()
    platform = Platform(folder)
    names = list(names)
    try:
        databases = {name: f"sqlite+aiosqlite:///{folder / name}.db" for name in names}
        platform.launch(names, nats_url, databases, smtp_port)
        yield platform
    finally:
        await asyncio.to_thread(platform.stop_all)


def refused(platform: Platform) -> list[str]:
    """Services whose log shows a permissions violation: the bus refused them something."""
    return [s for s in platform.urls if "permissions violation" in platform.log(s).lower()]


def service_users(monkeypatch: pytest.MonkeyPatch, passwords: dict[str, str]) -> None:
    """Every service connects as its own user; ops provisioned streams and consumers before."""
    for service in SERVICES:
        prefix = f"PILAR_{service.upper()}_"
        monkeypatch.setenv(f"{prefix}NATS_USER", service)
        monkeypatch.setenv(f"{prefix}NATS_PASSWORD", passwords[service])
        monkeypatch.setenv(f"{prefix}PROVISION_ON_START", "false")


async def certified_per_province(http: httpx.AsyncClient, analytics: Platform) -> dict[str, int]:
    """Analytics' certified volunteers per province."""
    url = f"{analytics.urls['analytics']}/indicators/certified-volunteers"
    response = await http.get(url, headers=analytics.headers(NATIONAL))
    assert response.status_code == 200, response.text
    return {row["province"]: row["count"] for row in response.json()}


async def referred(http: httpx.AsyncClient, analytics: Platform) -> int:
    """Analytics' count of referrals made."""
    url = f"{analytics.urls['analytics']}/indicators/referrals"
    response = await http.get(url, headers=analytics.headers(NATIONAL))
    assert response.status_code == 200, response.text
    return int(response.json()["referred"])


async def counts_reach(
    http: httpx.AsyncClient, analytics: Platform, certified: int, referrals: int
) -> None:
    """Wait until analytics counts exactly ``certified`` volunteers of the province and
    ``referrals`` referrals."""

    async def reached() -> bool | None:
        counts = await certified_per_province(http, analytics)
        done = counts == {PROVINCE: certified} and await referred(http, analytics) == referrals
        return True if done else None

    await eventually(reached, timeout=DEADLINE)


async def province_messages(nc: Client, stream: str) -> int:
    """How many of the province's events a stream holds."""
    info = await nc.jetstream().stream_info(stream, subjects_filter=province_events(PROVINCE))
    return sum((info.state.subjects or {}).values())


async def test_a_cut_off_province_registers_refers_and_notifies_and_the_nation_catches_up(
    hub_and_leaf: HubAndLeaf,
    mail: MailCatcher,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service_users(monkeypatch, hub_and_leaf.passwords)
    async with AsyncExitStack() as stack:
        leaf, hub = await connect(hub_and_leaf.url("leaf")), await connect(hub_and_leaf.url("hub"))
        stack.push_async_callback(leaf.close)
        stack.push_async_callback(hub.close)
        await provision(leaf.jetstream())
        await provision(hub.jetstream())
        await federate(hub.jetstream(), [PROVINCE])
        plain = {name: f"nats://127.0.0.1:{port}" for name, port in hub_and_leaf.ports.items()}
        province = await stack.enter_async_context(
            services_on(tmp_path / "province", plain["leaf"], SERVICES, mail.port)
        )
        nation = await stack.enter_async_context(
            services_on(tmp_path / "nation", plain["hub"], ["analytics"], mail.port)
        )
        await asyncio.gather(province.ready(), nation.ready())
        assert refused(province) + refused(nation) == []
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=30))

        psm = await _enrol(http, province, PSM, "PSM")
        await counts_reach(http, nation, certified=1, referrals=0)  # the link works

        await hub_and_leaf.link.cut()
        await wait_until(partial(hub_and_leaf.leaf_links, "hub", 0), "the hub lost its leaf")
        await _enrol(http, province, PSM_NEXT_DISTRICT, "PSM")  # registering
        await _replicated(http, province, psm)
        await _refer(http, province, psm)  # referring: the village PSM is chosen
        call: dict[str, Any] = await _delivered(http, province, psm, "referred")  # notifying
        assert call["channel"] == "email"
        assert _mail_to(mail, PSM["email"])
        await counts_reach(http, province, certified=2, referrals=1)  # analytics, locally
        assert await certified_per_province(http, nation) == {PROVINCE: 1}  # the link is down
        assert await referred(http, nation) == 0
        assert refused(province) == []

        await hub_and_leaf.link.restore()
        await counts_reach(http, nation, certified=2, referrals=1)  # exact: none lost, none twice
        for spec in FEDERATED:  # the national streams hold each of the province's events once

            async def caught_up(stream: str = spec.name) -> bool:
                at_leaf = await province_messages(leaf, stream)
                return await province_messages(hub, stream) == at_leaf

            await wait_until(caught_up, f"{spec.name} caught up with the province", DEADLINE)
        for spec in (REGISTRY, CASES, NOTIFICATIONS):  # the flow's events did cross
            assert await province_messages(hub, spec.name) > 0, spec.name
        assert (await hub.jetstream().stream_info(PRIVATE.name)).state.messages == 0
        assert (await leaf.jetstream().stream_info(PRIVATE.name)).state.messages > 0
