"""The national hub cluster and a provincial leaf node, as nats-server configurations.

The committed files are these functions applied to the deployment's host names; the tests apply
the same functions to loopback ports, so what is tested is what is deployed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deploy.nats.natsconf import Raw, Var

CLUSTER_NAME = "pilar"
HUB_DOMAIN = "hub"
NODES = ("nats-1", "nats-2", "nats-3")
EVENTS = "pilar.>"
# One leaf configuration serves every province: what differs comes from the environment.
LEAF_NAME = Var("PILAR_NATS_SERVER_NAME")
LEAF_DOMAIN = Var("PILAR_NATS_DOMAIN")
LEAF_HUB_URL = Var("PILAR_NATS_HUB_URL")


def province_domain(province: str) -> str:
    """The JetStream domain of a province's leaf node, e.g. ``prov33``."""
    return f"prov{province}"


def _jetstream(store_dir: str | None, domain: str | Var) -> dict[str, Any]:
    where = {} if store_dir is None else {"store_dir": store_dir}  # None: given by `-sd`
    return {
        **where,
        "domain": domain,
        "# Case events are records of specific personal data (UU 27/2022): fsync before": None,
        "# every ack. The 2 min default lost acknowledged writes in Jepsen's NATS 2.12.1": None,
        "# analysis; R3 plus `always` is necessary, the outbox stays the source of truth.": None,
        "sync_interval": Raw("always"),
        "max_file_store": Raw("200GB"),
        "max_memory_store": Raw("1GB"),
    }


@dataclass(frozen=True)
class Node:
    """Where one hub node listens, and the routes it solicits."""

    name: str
    client: str = "0.0.0.0:4222"
    monitor: str = "0.0.0.0:8222"
    cluster: str = "0.0.0.0:6222"
    leafnodes: str = "0.0.0.0:7422"
    routes: tuple[str, ...] = tuple(f"nats-route://{n}:6222" for n in NODES)
    store_dir: str | None = "/data/jetstream"


def hub_node(node: Node, accounts: str = "../accounts.conf") -> dict[str, Any]:
    """One node of the national 3-node JetStream cluster (R3 streams, domain ``hub``)."""
    return {
        "server_name": node.name,
        "listen": node.client,
        "# monitoring: /healthz?js-enabled-only=true for probes, /varz and /jsz to scrape": None,
        "http": node.monitor,
        "max_payload": Raw("1MB"),
        "# on SIGTERM, drain clients over 30 s: a rolling restart drops no publish": None,
        "lame_duck_duration": Raw("30s"),
        "jetstream": _jetstream(node.store_dir, HUB_DOMAIN),
        "cluster": {
            "name": CLUSTER_NAME,
            "listen": node.cluster,
            "# every node lists every node (itself included): any two form a quorum": None,
            "routes": list(node.routes),
        },
        "# provinces connect here as leaf nodes (user `leaf-<NN>` of account PILAR)": None,
        "leafnodes": {
            "listen": node.leafnodes,
            "# provinces reach the hub by its public name (remote url); gossiping the nodes'": None,
            "# internal addresses would send them round the load balancer, or nowhere": None,
            "no_advertise": True,
        },
        "include": accounts,
    }


@dataclass(frozen=True)
class Leaf:
    """Where a province's leaf node listens, and the hub it reaches; env references by default."""

    name: str | Var = LEAF_NAME
    domain: str | Var = LEAF_DOMAIN
    hub_url: str | Var = LEAF_HUB_URL
    client: str = "0.0.0.0:4222"
    monitor: str = "0.0.0.0:8222"
    store_dir: str | None = "/data/jetstream"


def leaf_node(leaf: Leaf, accounts: str = "../accounts.conf") -> dict[str, Any]:
    """A province's own server: own JetStream domain, a leafnode link to the hub."""
    return {
        "server_name": leaf.name,
        "listen": leaf.client,
        "http": leaf.monitor,
        "max_payload": Raw("1MB"),
        "lame_duck_duration": Raw("30s"),
        "# its own domain: the province's streams and consumers live and work here, link or": None,
        "# no link; the hub pulls them through $JS.<domain>.API (stream sources)": None,
        "jetstream": _jetstream(leaf.store_dir, leaf.domain),
        "leafnodes": {
            "remotes": [
                {
                    "url": leaf.hub_url,
                    "account": "PILAR",
                    "# events cross only through JetStream sourcing (exactly once, by": None,
                    "# stream sequence), never as core messages that a stream on the other": None,
                    "# side would also capture": None,
                    "deny_imports": [EVENTS],
                    "deny_exports": [EVENTS],
                }
            ]
        },
        "include": accounts,
    }
