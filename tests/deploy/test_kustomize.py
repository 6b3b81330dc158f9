"""deploy/k8s: both kustomizations render, match the Kubernetes schemas, and run safely."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate  # type: ignore[import-untyped]
import pytest

from tests.deploy.kustomize import KUSTOMIZATIONS, WORKLOADS, containers, find, of_kind, render
from tests.deploy.manifests import DEPLOY, SERVICES, is_setting, settings_class

KUBERNETES = "1.30.0"  # the oldest release we support: pod-index labels need 1.28
SECRETS = {
    "nats-users",
    "cases-keys",
    "cases-keys-db",
    "notifications-gateways",
    *(f"{service}-db" for service in SERVICES),
}


@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_every_object_matches_the_kubernetes_schema(kustomization: str) -> None:
    objects = render(kustomization)
    assert len(objects) > 40
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES, strict=True)


def test_the_schema_check_rejects_a_misspelt_field() -> None:
    deployment = find(render("base"), "Deployment", "registry")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES, strict=True)


def secret_references(obj: Any) -> set[str]:
    """Names of the Secrets an object refers to (secretKeyRef and secretRef)."""
    if isinstance(obj, list):
        return set().union(*(secret_references(item) for item in obj))
    if not isinstance(obj, dict):
        return set()
    found = {ref["name"] for key, ref in obj.items() if key in {"secretKeyRef", "secretRef"}}
    return found.union(*(secret_references(value) for value in obj.values()))


@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_secrets_are_only_referenced_and_documented(kustomization: str) -> None:
    objects = render(kustomization)
    assert of_kind(objects, "Secret") == []
    assert secret_references(objects) == SECRETS
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret in readme, f"deploy/README.md does not say how to create {secret}"
    for workload in (o for o in objects if o["kind"] in WORKLOADS):
        for container in containers(workload):
            for variable in container.get("env", []):
                if re.search(r"PASSWORD|KEY$|TOKEN", variable["name"]):
                    assert "secretKeyRef" in variable["valueFrom"], variable["name"]


@pytest.mark.parametrize("service", SERVICES)
def test_service_probes_liveness_and_readiness_on_its_http_port(service: str) -> None:
    deployment = find(render("base"), "Deployment", service)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    port = settings_class(service).model_fields["http_port"].default
    assert container["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    (migrate,) = deployment["spec"]["template"]["spec"]["initContainers"]
    assert (migrate["image"], migrate["args"]) == (container["image"], ["migrate"])


@pytest.mark.parametrize("kustomization", sorted(KUSTOMIZATIONS))
def test_every_container_runs_non_root_read_only_with_resources(kustomization: str) -> None:
    for workload in (o for o in render(kustomization) if o["kind"] in WORKLOADS):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] > 0
        assert pod["automountServiceAccountToken"] is False
        for container in containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            security = container["securityContext"]
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert {"requests", "limits"} <= set(container["resources"]), where


def resolved_env(service: str, objects: list[dict[str, Any]]) -> dict[str, str]:
    """The service container's environment: its ConfigMap, then its env with refs filled in."""
    deployment = find(objects, "Deployment", service)
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (source,) = container["envFrom"]
    env = dict(find(objects, "ConfigMap", source["configMapRef"]["name"])["data"])
    for variable in container["env"]:
        value = variable.get("value", "secret-from-the-cluster")
        env[variable["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], value)
    return env


@pytest.mark.parametrize("service", SERVICES)
def test_service_configuration_is_its_own_settings(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = resolved_env(service, render("production"))
    settings_env = {key: value for key, value in env.items() if key.startswith("PILAR_")}
    unknown = [key for key in settings_env if not is_setting(service, key)]
    assert unknown == []
    for key, value in settings_env.items():
        monkeypatch.setenv(key, value)
    settings = settings_class(service)()
    database, nats = urlsplit(settings.database_url), urlsplit(settings.nats_url)
    assert (database.hostname, database.username, database.path) == (
        f"{service}-db",
        service,
        f"/{service}",
    )
    assert (nats.hostname, nats.username, settings.nats_user) == ("nats", None, service)
    assert settings.http_host == "0.0.0.0"
    assert (settings.migrate_on_start, settings.provision_on_start) == (False, False)


def test_nats_runs_the_committed_cluster_configuration() -> None:
    objects = render("base")
    nats = find(objects, "StatefulSet", "nats")
    assert nats["spec"]["replicas"] == 3
    generated = {c["metadata"]["name"].rsplit("-", 1)[0]: c for c in of_kind(objects, "ConfigMap")}
    cluster, accounts = generated["nats-cluster"], generated["nats-accounts"]
    for node in ("nats-1", "nats-2", "nats-3"):
        source = (DEPLOY / "nats" / "cluster" / f"{node}.conf").read_text(encoding="utf-8")
        assert cluster["data"][f"{node}.conf"] == source, f"copy of {node}.conf is stale"
        for host in re.findall(r"nats-route://([\w-]+):6222", source):
            route = find(objects, "Service", host)
            assert route["spec"]["publishNotReadyAddresses"] is True
    assert accounts["data"]["accounts.conf"] == (DEPLOY / "nats" / "accounts.conf").read_text()
    (container,) = nats["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == [{"secretRef": {"name": "nats-users"}}]


@pytest.mark.parametrize("service", SERVICES)
def test_production_runs_two_replicas_behind_a_disruption_budget(service: str) -> None:
    objects = render("production")
    assert find(objects, "Deployment", service)["spec"]["replicas"] >= 2
    budget = find(objects, "PodDisruptionBudget", service)
    assert budget["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": service}
    assert find(objects, "PodDisruptionBudget", "nats")["spec"]["maxUnavailable"] == 1


def test_production_spreads_the_nats_nodes_over_machines_and_zones() -> None:
    pod = find(render("production"), "StatefulSet", "nats")["spec"]["template"]["spec"]
    (apart,) = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert apart["topologyKey"] == "kubernetes.io/hostname"
    (zones,) = pod["topologySpreadConstraints"]
    assert (zones["topologyKey"], zones["maxSkew"]) == ("topology.kubernetes.io/zone", 1)
    assert zones["labelSelector"]["matchLabels"] == {"app.kubernetes.io/name": "nats"}


def test_production_images_are_pinned() -> None:
    for workload in (o for o in render("production") if o["kind"] in WORKLOADS):
        for container in containers(workload):
            assert re.search(r":[\w.-]+$", container["image"]), container["image"]
