"""NATS accounts, users and subject allow-lists, derived from the contracts' events and consumers.

One account, PILAR, holds the JetStream streams and one user per service. A service may publish
only its own events (``pilar.<svc>.>`` and its own private event types), dead-letter only its own
consumers, and reach only its own durable consumers through the JetStream API: a general
``$JS.API.>`` would let any service open a consumer on ``PILAR_PRIVATE`` and read contact data.
Replies come back on a per-service inbox prefix so that no service can listen to another's
fetches. Each province that runs a leaf node has a user of its own, which carries only its own
domain's requests. Integrations live in their own account, which imports public events only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.nats.natsconf import Raw, Var
from deploy.nats.servers import province_domain
from pilar_contracts.consumers import CONSUMERS
from pilar_contracts.events import ALL_EVENTS, SOURCES
from pilar_contracts.reference.regions import provinces
from pilar_contracts.streams import DLQ, ConsumerSpec, stream_for_subject
from pilar_contracts.subjects import dead_letter_subject, province_pattern, type_pattern

HERE = Path(__file__).resolve().parent
INTEGRATIONS_FILE = HERE / "integrations.json"
LEAVES_FILE = HERE / "leaves.json"

SERVICES: tuple[str, ...] = tuple(SOURCES)
# Public subjects have exactly seven tokens; private ones eight, dead letters three. Exporting
# seven tokens exports public events and nothing else, whatever a consumer's filter says.
PUBLIC_EVENTS = "pilar.*.*.*.*.*.*"
# Push consumers that ops create for integrations deliver under this prefix.
INTEGRATION_DELIVERY = "integration"


def inbox_prefix(user: str) -> str:
    """The inbox prefix a user connects with (nats-py ``inbox_prefix``): replies reach it alone."""
    return f"_INBOX.{user}"


def password(user: str) -> Var:
    """The environment variable holding a user's password (or its bcrypt hash)."""
    return Var(f"PILAR_NATS_{user.upper().replace('-', '_')}_PASSWORD")


def consumers_of(service: str) -> list[ConsumerSpec]:
    """The durable consumers a service owns (named ``<service>-<source>``)."""
    return [c for c in CONSUMERS if c.durable.split("-", 1)[0] == service]


def _owner_check() -> None:
    for consumer in CONSUMERS:
        if consumer.durable.split("-", 1)[0] not in SERVICES:
            raise ValueError(f"consumer {consumer.durable!r} is not named after its service")


def own_events(service: str) -> list[str]:
    """The subjects a service may publish its events on."""
    private = [
        type_pattern(e.kind.type_name, private=True)
        for e in ALL_EVENTS
        if e.kind.producer == service and e.kind.private
    ]
    return [f"pilar.{service}.>", *sorted(set(private))]


def _jetstream_api(service: str, consumers: list[ConsumerSpec]) -> list[str]:
    streams = {stream_for_subject(f"pilar.{service}.x").name, DLQ.name}
    streams |= {c.stream for c in consumers}
    streams |= {stream_for_subject(s.removesuffix(">") + "x").name for s in own_events(service)}
    api = ["$JS.API.INFO", *(f"$JS.API.STREAM.INFO.{name}" for name in sorted(streams))]
    for c in consumers:
        api += [
            f"$JS.API.CONSUMER.INFO.{c.stream}.{c.durable}",
            f"$JS.API.CONSUMER.MSG.NEXT.{c.stream}.{c.durable}",
            f"$JS.API.CONSUMER.CREATE.{c.stream}.{c.durable}",
            f"$JS.API.CONSUMER.CREATE.{c.stream}.{c.durable}.>",
            f"$JS.API.CONSUMER.DURABLE.CREATE.{c.stream}.{c.durable}",
            f"$JS.ACK.{c.stream}.{c.durable}.>",
        ]
    return api


def service_permissions(service: str) -> dict[str, Any]:
    """Publish and subscribe allow-lists of one service user."""
    consumers = consumers_of(service)
    publish = [
        *own_events(service),
        *(dead_letter_subject(c.durable) for c in consumers),
        *_jetstream_api(service, consumers),
    ]
    return {
        "publish": {"allow": publish},
        "subscribe": {"allow": [f"{inbox_prefix(service)}.>"]},
    }


@dataclass(frozen=True)
class Integration:
    """A ministry or agency system that subscribes to public events; province "" is national."""

    user: str
    province: str
    agency: str


def integrations(path: Path = INTEGRATIONS_FILE) -> list[Integration]:
    """The integrations listed in ``integrations.json``, checked against the province codes."""
    known = set(provinces())
    found = [Integration(**row) for row in json.loads(path.read_text(encoding="utf-8"))]
    for integration in found:
        if integration.province and integration.province not in known:
            raise ValueError(f"{integration.user}: unknown province {integration.province!r}")
    return found


def integration_permissions(integration: Integration) -> dict[str, Any]:
    """Subscribe to the public events of one province (or all), and publish nothing at all."""
    events = province_pattern(integration.province) if integration.province else PUBLIC_EVENTS
    deliveries = f"{INTEGRATION_DELIVERY}.{integration.user}.>"
    return {"publish": {"deny": [">"]}, "subscribe": {"allow": [events, deliveries]}}


def leaf_provinces(path: Path = LEAVES_FILE) -> list[str]:
    """The provinces listed in ``leaves.json`` as running a leaf node, checked against the codes."""
    known = set(provinces())
    found = [str(row["province"]) for row in json.loads(path.read_text(encoding="utf-8"))]
    for province in found:
        if province not in known:
            raise ValueError(f"leaves.json: unknown province {province!r}")
    if len(set(found)) != len(found):
        raise ValueError("leaves.json: a province is listed twice")
    return found


def leaf_user(province: str) -> str:
    """The user a province's leaf node connects to the hub as."""
    return f"leaf-{province}"


def leaf_permissions(province: str) -> dict[str, Any]:
    """What one province's leaf node may exchange with the hub: its own sourcing, nothing more.

    Towards the province go the hub's requests to that province's JetStream API alone
    (``$JS.prov<NN>.API``), flow-control answers and loop detection; from it come the sourced
    messages (``$JS.S``) and the answers to the hub's consumer requests (``$JSC.R``). Without
    this, whoever runs a leaf node would hold every right of the PILAR account on the hub:
    ``$JS.hub.API`` to read PILAR_PRIVATE or delete a national stream, or events published into
    national streams. With one user for every province, a province could also take the hub's
    requests meant for another and answer them: feed the national streams events in its name.
    """
    return {
        "publish": {"allow": ["$JS.S.>", "$JSC.R.>"]},
        "subscribe": {"allow": [f"$JS.{province_domain(province)}.API.>", "$JS.FC.>", "$LDS.>"]},
    }


def _user(name: str, permissions: dict[str, Any] | None = None) -> dict[str, Any]:
    user: dict[str, Any] = {"user": name, "password": password(name)}
    if permissions is not None:
        user["permissions"] = permissions
    return user


def accounts_config(listed: list[Integration] | None = None) -> dict[str, Any]:
    """The ``accounts`` block and the system account, ready for ``natsconf.render``."""
    _owner_check()
    listed = integrations() if listed is None else listed
    pilar_users = [
        {"# ops: provisioning, federation and dead-letter replay; not for services": None},
        _user("ops"),
        *(_user(service, service_permissions(service)) for service in SERVICES),
        {"# leaf-<NN>: province NN's leaf node binds its PILAR account here, for sourcing": None},
        *(_user(leaf_user(p), leaf_permissions(p)) for p in leaf_provinces()),
    ]
    imports = [
        {"stream": {"account": "PILAR", "subject": PUBLIC_EVENTS}},
        {"stream": {"account": "PILAR", "subject": f"{INTEGRATION_DELIVERY}.>"}},
    ]
    return {
        "accounts": {
            "SYS": {"users": [_user("sys")]},
            "PILAR": {
                "jetstream": Raw("enabled"),
                "users": pilar_users,
                "exports": [{"stream": PUBLIC_EVENTS}, {"stream": f"{INTEGRATION_DELIVERY}.>"}],
            },
            "INTEGRATIONS": {
                "imports": imports,
                "users": [_user(i.user, integration_permissions(i)) for i in listed],
            },
        },
        "system_account": "SYS",
    }
