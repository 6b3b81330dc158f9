"""Render deploy/k8s with `kubectl kustomize` and look objects up in the result."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from tests.deploy.manifests import DEPLOY, require_tool, yaml_documents

KUSTOMIZATIONS = {
    "base": DEPLOY / "k8s" / "base",
    "production": DEPLOY / "k8s" / "overlays" / "production",
}
WORKLOADS = {"Deployment", "StatefulSet", "Job"}
_rendered: dict[str, list[dict[str, Any]]] = {}


def render(name: str) -> list[dict[str, Any]]:
    """The objects a kustomization renders (cached per test session)."""
    if name not in _rendered:
        kubectl = require_tool(shutil.which("kubectl"), "kubectl")
        result = subprocess.run(
            [kubectl, "kustomize", str(KUSTOMIZATIONS[name])],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        _rendered[name] = yaml_documents(result.stdout)
    return _rendered[name]


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The one object of that kind and name."""
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Every object of a kind."""
    return [o for o in objects if o["kind"] == kind]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a Deployment, StatefulSet or Job."""
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    """Init containers and containers of a workload."""
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels and In/NotIn expressions) matches the labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        value = labels.get(expression["key"])
        inside = value in expression.get("values", [])
        if (expression["operator"] == "In") != inside:
            return False
    return True
