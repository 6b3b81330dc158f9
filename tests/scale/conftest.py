"""Multi-server fixtures: the hub cluster and a provincial leaf node, from the deploy/nats configs.

The servers run the same generated configuration as production (accounts.conf as committed,
``hub_node`` and ``leaf_node`` rendered with loopback ports instead of host names).
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deploy.nats.accounts import accounts_config, leaf_user
from deploy.nats.natsconf import render
from deploy.nats.servers import NODES, Leaf, Node, hub_node, leaf_node, province_domain
from pilar_kit.natscluster import NatsCluster, wait_for_jetstream
from pilar_kit.natsserver import free_ports
from tests.scale.linkproxy import LinkProxy

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = ROOT / "deploy" / "nats" / "accounts.conf"
PROVINCE = "33"  # Jawa Tengah runs the leaf node in these tests


def accounts_from(folder: Path) -> str:
    """The committed accounts.conf as nats-server includes it: relative to the including file."""
    return os.path.relpath(ACCOUNTS, folder)


def user_names() -> list[str]:
    """Every user of every account in accounts.conf."""
    accounts: dict[str, Any] = accounts_config()["accounts"]
    return [u["user"] for acc in accounts.values() for u in acc.get("users", []) if "user" in u]


@pytest.fixture
def passwords(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A password per user, in the environment the servers resolve accounts.conf from."""
    found = {user: f"pw-{user}" for user in user_names()}
    for user, password in found.items():
        monkeypatch.setenv(f"PILAR_NATS_{user.upper().replace('-', '_')}_PASSWORD", password)
    return found


@dataclass
class Servers:
    """Running servers and how to reach them as a given user."""

    cluster: NatsCluster
    passwords: dict[str, str]
    ports: dict[str, int]  # client port per server name

    monitors: dict[str, int] = field(default_factory=dict)  # monitoring port per server name

    async def varz(self, server: str) -> dict[str, Any]:
        """The server's /varz: its configuration as running."""
        url = f"http://127.0.0.1:{self.monitors[server]}/varz"
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
        found: dict[str, Any] = json.loads(body)
        return found

    async def leaf_links(self, server: str, count: int) -> bool:
        """True when ``server`` has exactly ``count`` leaf node connections (its /leafz)."""
        url = f"http://127.0.0.1:{self.monitors[server]}/leafz"
        body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())
        return int(json.loads(body)["leafnodes"]) == count

    def url(self, server: str, user: str = "ops") -> str:
        """A client URL with the user's credentials."""
        return f"nats://{user}:{self.passwords[user]}@127.0.0.1:{self.ports[server]}"


def _node(name: str, ports: list[int], routes: tuple[str, ...]) -> Node:
    client, monitor, cluster, leafnodes = ports
    return Node(
        name,
        client=f"127.0.0.1:{client}",
        monitor=f"127.0.0.1:{monitor}",
        cluster=f"127.0.0.1:{cluster}",
        leafnodes=f"127.0.0.1:{leafnodes}",
        routes=routes,
        store_dir=None,  # NatsCluster passes its own with -sd
    )


@pytest.fixture
async def hub_cluster(tmp_path: Path, passwords: dict[str, str]) -> AsyncIterator[Servers]:
    """The national hub: three nodes, JetStream clustered, accounts.conf loaded."""
    ports = free_ports(4 * len(NODES))
    per_node = {name: ports[4 * i : 4 * i + 4] for i, name in enumerate(NODES)}
    routes = tuple(f"nats-route://127.0.0.1:{p[2]}" for p in per_node.values())
    cluster = NatsCluster(tmp_path / "hub")
    for name, node_ports in per_node.items():
        config = hub_node(_node(name, node_ports, routes), accounts=accounts_from(cluster.folder))
        cluster.add(name, render(config), node_ports[0])
    servers = Servers(
        cluster,
        passwords,
        ports={name: p[0] for name, p in per_node.items()},
        monitors={name: p[1] for name, p in per_node.items()},
    )
    try:
        cluster.start()
        for name in NODES:
            await wait_for_jetstream(servers.url(name))
        yield servers
    finally:
        cluster.stop()


@dataclass
class HubAndLeaf(Servers):
    """A hub, a province's leaf node, and the link between them (a proxy the test can cut)."""

    link: LinkProxy = field(kw_only=True)


@asynccontextmanager
async def linked(tmp_path: Path, passwords: dict[str, str], user: str) -> AsyncIterator[HubAndLeaf]:
    """A one-node hub and the leaf of province 33, linked as ``user`` of the hub."""
    hub_client, hub_monitor, hub_leafnodes, leaf_client, leaf_monitor, link_port = free_ports(6)
    node = _node("hub", [hub_client, hub_monitor, 0, hub_leafnodes], ())
    folder = tmp_path / "national"
    hub = hub_node(node, accounts=accounts_from(folder))
    del hub["cluster"]
    link = LinkProxy(link_port, hub_leafnodes)
    leaf = Leaf(
        name=f"nats-{province_domain(PROVINCE)}",
        domain=province_domain(PROVINCE),
        hub_url=f"nats-leaf://{user}:{passwords[user]}@127.0.0.1:{link_port}",
        client=f"127.0.0.1:{leaf_client}",
        monitor=f"127.0.0.1:{leaf_monitor}",
        store_dir=None,
    )
    cluster = NatsCluster(folder)
    cluster.add("hub", render(hub), hub_client)
    cluster.add("leaf", render(leaf_node(leaf, accounts=accounts_from(folder))), leaf_client)
    ports = {"hub": hub_client, "leaf": leaf_client}
    monitors = {"hub": hub_monitor, "leaf": leaf_monitor}
    servers = HubAndLeaf(cluster, passwords, ports, monitors, link=link)
    await link.start()
    try:
        cluster.start()
        for name in ("hub", "leaf"):
            await wait_for_jetstream(servers.url(name))
        yield servers
    finally:
        cluster.stop()
        await link.stop()


@pytest.fixture
async def hub_and_leaf(tmp_path: Path, passwords: dict[str, str]) -> AsyncIterator[HubAndLeaf]:
    """A one-node hub (its clustering is the other test's subject) and the leaf of province 33."""
    async with linked(tmp_path, passwords, leaf_user(PROVINCE)) as servers:
        yield servers


@pytest.fixture
def single_server(tmp_path: Path, passwords: dict[str, str]) -> Iterator[Servers]:
    """One server with accounts.conf (no cluster, no leaf): for the permission tests."""
    client, monitor, leafnodes = free_ports(3)
    config = _node("solo", [client, monitor, 0, leafnodes], ())
    folder = tmp_path / "solo"
    solo = hub_node(config, accounts=accounts_from(folder))
    del solo["cluster"]
    cluster = NatsCluster(folder)
    cluster.add("solo", render(solo), client)
    cluster.start()
    try:
        yield Servers(cluster, passwords, {"solo": client})
    finally:
        cluster.stop()
