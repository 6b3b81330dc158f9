"""deploy/k8s NetworkPolicies: a service reaches NATS and its own database; HTTP reaches it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.kustomize import containers, find, of_kind, render, selects
from tests.deploy.manifests import SERVICES

# Egress outside the namespace, by design: DNS, traces to the collector, the OIDC provider's
# keys; and for notifications, the mail relay and HTTPS gateways.
OUTSIDE_PORTS = {53, 4318, 443}
DELIVERY_PORTS = {25, 587, 443}


def pod_labels(objects: list[dict[str, Any]], name: str) -> dict[str, str]:
    """The pod labels of the workload with that name."""
    workload = next(
        o
        for o in objects
        if o["kind"] in {"Deployment", "StatefulSet"} and o["metadata"]["name"] == name
    )
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def policies_for(objects: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    """Every NetworkPolicy that selects pods with these labels."""
    return [
        p for p in of_kind(objects, "NetworkPolicy") if selects(p["spec"]["podSelector"], labels)
    ]


def egress_peers(policies: list[dict[str, Any]]) -> tuple[set[str], set[int]]:
    """Pods (by name label) of the namespace reachable, and ports reachable outside it."""
    pods, outside = set(), set()
    for policy in policies:
        for rule in policy["spec"].get("egress", []):
            ports = {port["port"] for port in rule.get("ports", [])}
            for peer in rule.get("to", []):
                if set(peer) == {"podSelector"}:
                    pods.add(peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"])
                else:
                    outside |= ports
    return pods, outside


# cases keeps its clients' data keys in a database apart from their sealed data
DATABASES = {s: (f"{s}-db", *(("cases-keys-db",) if s == "cases" else ())) for s in SERVICES}


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return render("production")


def test_everything_is_denied_unless_allowed(objects: list[dict[str, Any]]) -> None:
    deny = find(objects, "NetworkPolicy", "default-deny")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


@pytest.mark.parametrize("service", SERVICES)
def test_service_reaches_only_nats_and_its_own_database(
    service: str, objects: list[dict[str, Any]]
) -> None:
    policies = policies_for(objects, pod_labels(objects, service))
    assert service in {p["metadata"]["name"] for p in policies}
    pods, outside = egress_peers(policies)
    assert pods == {"nats", *DATABASES[service]}
    allowed = OUTSIDE_PORTS | (DELIVERY_PORTS if service == "notifications" else set())
    assert outside <= allowed


@pytest.mark.parametrize("service", SERVICES)
def test_service_accepts_traffic_on_its_http_port_only(
    service: str, objects: list[dict[str, Any]]
) -> None:
    policies = policies_for(objects, pod_labels(objects, service))
    ports = {
        port["port"]
        for policy in policies
        for rule in policy["spec"].get("ingress", [])
        for port in rule["ports"]
    }
    (container,) = find(objects, "Deployment", service)["spec"]["template"]["spec"]["containers"]
    assert ports == {"http"}
    assert [p["name"] for p in container["ports"]] == ["http"]


@pytest.mark.parametrize(
    ("service", "database"), [(s, db) for s in SERVICES for db in DATABASES[s]]
)
def test_database_is_reached_only_by_its_own_service(
    service: str, database: str, objects: list[dict[str, Any]]
) -> None:
    labels = pod_labels(objects, database)
    policies = policies_for(objects, labels)
    sources = [
        (peer["podSelector"]["matchLabels"], port["port"])
        for policy in policies
        for rule in policy["spec"].get("ingress", [])
        for peer in rule["from"]
        for port in rule["ports"]
    ]
    assert sources == [({"app.kubernetes.io/name": service}, 5432)]
    pods, _ = egress_peers(policies)
    assert pods == set()
    for other in set(SERVICES) - {service}:  # and no other service's policy reaches it
        reached, _ = egress_peers(policies_for(objects, pod_labels(objects, other)))
        assert database not in reached


def test_nats_takes_clients_only_from_pilar_workloads(objects: list[dict[str, Any]]) -> None:
    policy = find(objects, "NetworkPolicy", "nats")
    (clients,) = [
        r for r in policy["spec"]["ingress"] if r["ports"] == [{"port": 4222, "protocol": "TCP"}]
    ]
    allowed = set(clients["from"][0]["podSelector"]["matchExpressions"][0]["values"])
    workloads = {"nats-provision", *SERVICES}
    assert allowed == workloads
    for workload in of_kind(objects, "Job"):
        assert containers(workload)  # the provisioning job is the one non-service client
        assert (
            workload["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] in allowed
        )
