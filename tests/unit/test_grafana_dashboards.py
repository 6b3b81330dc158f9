"""The Grafana dashboards and the Prometheus scrape config cannot drift from the code.

Every metric a dashboard queries must be declared by a service (prometheus-client metrics found
in ``services/*/src``, and FastStream's middleware metrics that the kit's runtime registers), or
come from the few exporters that prometheus.yml scrapes besides the services.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
from pathlib import Path
from typing import Any, cast

import pytest
from faststream.prometheus.container import MetricsContainer
from prometheus_client import CollectorRegistry

from pilar_analytics.settings import AnalyticsSettings
from pilar_cases.settings import CasesSettings
from pilar_kit.http import health_router
from pilar_kit.runtime import Runtime
from pilar_notifications.settings import NotificationsSettings
from pilar_registry.settings import RegistrySettings

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
DATASOURCE_UID = "pilar-prometheus"
IN_CI = os.environ.get("CI", "").lower() == "true"
# Series from outside this repository, on the targets prometheus.yml scrapes.
EXTERNAL = {
    "up",  # Prometheus, per target
    "gnatsd_varz_in_msgs",  # prometheus-nats-exporter -varz
    "gnatsd_varz_out_msgs",
    "gnatsd_varz_connections",
    "gnatsd_varz_slow_consumers",
    "jetstream_consumer_num_pending",  # prometheus-nats-exporter -jsz=all
    "jetstream_consumer_num_ack_pending",
    "jetstream_stream_total_messages",
}
SUFFIXES = {
    "Counter": ("_total", "_created"),
    "Gauge": ("",),
    "Histogram": ("_bucket", "_sum", "_count", "_created"),
    "Summary": ("", "_sum", "_count", "_created"),
    "Info": ("_info",),
    "Enum": ("",),
}
PROMQL_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and"}
PROMQL_KEYWORDS |= {"or", "unless", "offset", "inf", "nan", "Inf", "NaN"}


def series(kind: str, name: str) -> set[str]:
    """The series names a prometheus-client metric of a kind and name exposes."""
    if kind == "Counter":
        name = name.removesuffix("_total")
    return {name + suffix for suffix in SUFFIXES[kind]}


def declared_in(source: str) -> set[str]:
    """Series of the prometheus-client metrics a module declares with a literal name."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        kind = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if kind not in SUFFIXES:
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        name = node.args[0] if node.args else keywords.get("name")
        has_help = len(node.args) > 1 or "documentation" in keywords
        if isinstance(name, ast.Constant) and isinstance(name.value, str) and has_help:
            found |= series(kind, name.value)
    return found


def code_series() -> set[str]:
    """Every series the four services can expose."""
    found: set[str] = set()
    for module in ROOT.glob("services/*/src/**/*.py"):
        found |= declared_in(module.read_text(encoding="utf-8"))
    registry = CollectorRegistry()
    MetricsContainer(registry, custom_label_names=())  # what NatsPrometheusMiddleware registers
    for family in registry.collect():
        kind = {"counter": "Counter", "gauge": "Gauge", "histogram": "Histogram"}[family.type]
        found |= series(kind, family.name)
    return found


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not functions, labels or keywords)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\$\w+", "", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[A-Za-z_:][\w:]*", expr):
        calls = expr[match.end() :].lstrip().startswith("(")
        if not calls and match.group() not in PROMQL_KEYWORDS:
            names.add(match.group())
    return names


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, including those nested in collapsed rows."""
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def expressions(dashboard: dict[str, Any]) -> list[str]:
    """The PromQL of every target and of every query variable."""
    exprs = [t["expr"] for p in panels(dashboard) for t in p.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        text = query.get("query", "") if isinstance(query, dict) else str(query or "")
        exprs.extend(re.findall(r"label_values\(\s*([^,)]+)", text))
    return exprs


def load_yaml(path: Path) -> Any:
    """A YAML file; PyYAML is a dev dependency, whose absence fails in CI and skips elsewhere."""
    try:
        yaml = importlib.import_module("yaml")
    except ModuleNotFoundError:
        if IN_CI:
            pytest.fail("PyYAML is required in CI to check deploy/*.yml")
        pytest.skip("PyYAML is not installed")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load(path: Path) -> dict[str, Any]:
    """A dashboard's JSON."""
    body: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return body


def test_the_name_extractor_reads_metrics_and_skips_the_rest() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (service, le) (rate(a_bucket{x="y z"}[$__rate_interval])))'
        " / on (service) group_left b_total + bottomk(3, c >= 0) or vector(1)"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c"}


def test_dashboards_exist_with_unique_uids_and_titles() -> None:
    assert {path.name for path in DASHBOARDS} >= {"pilar-ops.json", "pilar-bisnis.json"}
    boards = [load(path) for path in DASHBOARDS]
    assert len({b["uid"] for b in boards}) == len({b["title"] for b in boards}) == len(boards)
    assert {b["title"] for b in boards} >= {"Pilar ops", "Pilar bisnis"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_is_valid_grafana_json(path: Path) -> None:
    board = load(path)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", board["uid"])
    assert board["title"]
    assert isinstance(board["schemaVersion"], int)
    assert board["panels"]
    ids = [panel["id"] for panel in panels(board)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels(board):
        grid = panel["gridPos"]
        assert {"x", "y", "w", "h"} <= grid.keys()
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["title"]
        assert panel["datasource"]["uid"] == DATASOURCE_UID, panel["title"]
        targets = panel["targets"]
        assert targets, panel["title"]
        assert len({t["refId"] for t in targets}) == len(targets), panel["title"]
        assert all(t["expr"].strip() for t in targets), panel["title"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_metric_a_dashboard_reads_exists(path: Path) -> None:
    known = code_series() | EXTERNAL
    used = {name for expr in expressions(load(path)) for name in metric_names(expr)}
    assert used, "a dashboard that reads no metric"
    assert used <= known, f"not exposed by any service: {sorted(used - known)}"


def test_provisioning_points_at_the_dashboards_datasource() -> None:
    sources = load_yaml(GRAFANA / "provisioning/datasources/prometheus.yml")
    (source,) = sources["datasources"]
    assert (source["uid"], source["type"]) == (DATASOURCE_UID, "prometheus")
    providers = load_yaml(GRAFANA / "provisioning/dashboards/pilar.yml")
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"]


def scraped_ports(job: dict[str, Any]) -> dict[str, int]:
    """The port each service is scraped on, from static targets or DNS discovery."""
    ports = {
        group["labels"]["service"]: int(target.rsplit(":", 1)[1])
        for group in job.get("static_configs", [])
        for target in group["targets"]
    }
    for lookup in job.get("dns_sd_configs", []):
        (name,) = lookup["names"]
        ports[name] = lookup["port"]
    return ports


@pytest.mark.parametrize("name", ["prometheus.yml", "compose.yml"])
def test_prometheus_scrapes_every_service_on_its_port_and_nats(name: str) -> None:
    config = load_yaml(ROOT / "deploy/prometheus" / name)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    settings = (RegistrySettings, CasesSettings, NotificationsSettings, AnalyticsSettings)
    ports = {
        cls.__name__.removesuffix("Settings").lower(): cls.model_fields["http_port"].default
        for cls in settings
    }
    assert scraped_ports(jobs["pilar"]) == ports
    served = {getattr(route, "path", "") for route in health_router(cast(Runtime, None)).routes}
    assert jobs["pilar"]["metrics_path"] in served
    assert jobs["nats"]["static_configs"]
