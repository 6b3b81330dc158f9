"""deploy/compose/compose.yaml: valid, complete, healthy, non-root, and each database kept apart."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from tests.deploy.compose_file import (
    COMPOSE_DIR,
    COMPOSE_FILE,
    ENV_EXAMPLE,
    MissingVariableError,
    compose_spec_schema,
    env_file,
    environment,
    interpolate,
    interpolated,
    raw_compose,
    referenced_variables,
)
from tests.deploy.manifests import (
    DEPLOY,
    SERVICES,
    dockerfile_path,
    dockerfile_stages,
    is_setting,
    settings_class,
)

# Images built FROM scratch or distroless: no shell, no wget, so nothing to run a probe with.
NO_PROBE_TOOLS = {
    "otel/opentelemetry-collector-contrib",
    "jaegertracing/jaeger",
    "natsio/prometheus-nats-exporter",
}
ONE_SHOT = {"on-failure", "no"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """The compose file after interpolation from .env.example, as `docker compose` sees it."""
    return dict(interpolated(raw_compose(), env_file(ENV_EXAMPLE)))


def compose_validator() -> jsonschema.protocols.Validator:
    """A validator of the schema's own draft (2020-12 today)."""
    schema = compose_spec_schema()
    validator: jsonschema.protocols.Validator = jsonschema.validators.validator_for(schema)(schema)
    return validator


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def test_matches_the_compose_specification_before_and_after_interpolation(
    compose: dict[str, Any],
) -> None:
    validator = compose_validator()
    for document in (raw_compose(), compose):
        errors = [
            f"{list(error.path)}: {error.message}" for error in validator.iter_errors(document)
        ]
        assert errors == []


def test_the_schema_check_rejects_what_compose_would_reject() -> None:
    broken = raw_compose()
    broken["services"]["registry"]["helthcheck"] = {"test": ["CMD", "true"]}
    assert not compose_validator().is_valid(broken)


def test_the_stack_is_the_production_like_one(compose: dict[str, Any]) -> None:
    images = {name: s["image"].rsplit(":", 1)[0] for name, s in services(compose).items()}
    expected = {
        **dict.fromkeys(("nats-1", "nats-2", "nats-3"), "nats"),
        **{name: f"pilar/{name}" for name in SERVICES},
        **{f"{name}-db": "postgres" for name in SERVICES},
        "prometheus": "prom/prometheus",
        "grafana": "grafana/grafana",
        "otel-collector": "otel/opentelemetry-collector-contrib",
        "jaeger": "jaegertracing/jaeger",  # the trace viewer
    }
    assert {name: images.get(name) for name in expected} == expected


def test_every_required_variable_is_in_the_example_env_and_none_is_stale() -> None:
    example = env_file(ENV_EXAMPLE)
    variables = referenced_variables(raw_compose())
    required = {name for name, operator in variables.items() if operator in (None, ":?", "?")}
    assert required <= set(example), sorted(required - set(example))
    assert set(example) <= set(variables), sorted(set(example) - set(variables))
    with pytest.raises(
        MissingVariableError
    ):  # an unset secret stops compose instead of going empty
        interpolate("${PILAR_CASES_MASTER_KEY:?set it}", {})


def test_nats_nodes_get_every_password_that_accounts_conf_reads(compose: dict[str, Any]) -> None:
    accounts = (DEPLOY / "nats" / "accounts.conf").read_text(encoding="utf-8")
    passwords = set(re.findall(r"\$(PILAR_NATS_\w+)", accounts))
    assert passwords
    for node in ("nats-1", "nats-2", "nats-3"):
        assert passwords <= set(environment(services(compose)[node])), node
    assert passwords <= set(env_file(ENV_EXAMPLE))


def host_paths(service: dict[str, Any]) -> list[str]:
    """Bind-mounted paths of the host, from both volume syntaxes."""
    paths = []
    for volume in service.get("volumes", []):
        source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
        if source.startswith((".", "/")):
            paths.append(source)
    return paths


def test_every_mounted_file_and_build_file_exists_in_the_repository(
    compose: dict[str, Any],
) -> None:
    mounted = 0
    for name, service in services(compose).items():
        for path in host_paths(service):
            assert (COMPOSE_DIR / path).resolve().exists(), f"{name} mounts missing {path}"
            mounted += 1
        build = service.get("build")
        if build:
            context = (COMPOSE_DIR / build["context"]).resolve()
            assert (context / build["dockerfile"]).is_file(), name
    assert mounted >= 10  # NATS configs, collector, Prometheus, Grafana


def test_each_nats_node_runs_its_own_cluster_configuration(compose: dict[str, Any]) -> None:
    for node in ("nats-1", "nats-2", "nats-3"):
        service = services(compose)[node]
        config = f"/etc/nats/cluster/{node}.conf"
        assert service["command"] == ["-c", config]
        assert f"../nats/cluster/{node}.conf:{config}:ro" in service["volumes"]
        assert "../nats/accounts.conf:/etc/nats/accounts.conf:ro" in service["volumes"]


def test_every_long_running_service_has_a_health_check(compose: dict[str, Any]) -> None:
    exempt_used = set()
    for name, service in services(compose).items():
        if service.get("restart") in ONE_SHOT:
            continue
        image = service["image"].rsplit(":", 1)[0]
        if image in NO_PROBE_TOOLS:
            exempt_used.add(image)
            continue
        if image.startswith("pilar/"):  # the image's own HEALTHCHECK, unless compose disables it
            assert not service.get("healthcheck", {}).get("disable"), name
            final = dockerfile_stages(dockerfile_path(image.removeprefix("pilar/")))[-1]
            assert final.args("HEALTHCHECK"), name
        else:
            assert service["healthcheck"]["test"], name
    assert exempt_used == NO_PROBE_TOOLS  # the exemption list names only images in use


def pilar_containers(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every container that runs a Pilar image: services, migrations, provisioning."""
    return {
        name: service
        for name, service in services(compose).items()
        if service["image"].startswith("pilar/")
    }


def test_pilar_containers_run_non_root_read_only_without_capabilities(
    compose: dict[str, Any],
) -> None:
    for name, service in pilar_containers(compose).items():
        assert service.get("user", "10001").split(":")[0] not in {"0", "root"}, name
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        image = service["image"].split(":")[0].removeprefix("pilar/")
        assert service["build"]["dockerfile"] == str(
            dockerfile_path(image).relative_to(DEPLOY.parent)
        )


@pytest.mark.parametrize("name", SERVICES)
def test_service_environment_is_its_own_settings(
    name: str, compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for container in (name, f"{name}-migrate"):
        env = environment(services(compose)[container])
        unknown = [key for key in env if not is_setting(name, key)]
        assert unknown == [], f"{container}: not settings of {name}: {unknown}"
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings = settings_class(name)()  # types and constraints as the service will check
        database = urlsplit(settings.database_url)
        assert (database.scheme, database.hostname, database.username) == (
            "postgresql+asyncpg",
            f"{name}-db",
            name,
        )
    nats = urlsplit(settings.nats_url)
    assert nats.username is None  # credentials apart, so that they survive a cluster failover
    assert settings.nats_user == name  # its own NATS user, with its own subject allow-list
    assert settings.nats_password is not None
    assert nats.hostname in {"nats-1", "nats-2", "nats-3"}
    assert settings.otlp_endpoint == "http://otel-collector:4318"
    assert (settings.migrate_on_start, settings.provision_on_start) == (False, False)
    assert settings.auth.jwks_url
    assert settings.auth.jwt_secret is None


@pytest.mark.parametrize("name", SERVICES)
def test_replicas_start_after_migrations_and_stream_provisioning(
    name: str, compose: dict[str, Any]
) -> None:
    service = services(compose)[name]
    assert service["deploy"]["replicas"] == 2
    assert service["depends_on"] == {
        f"{name}-migrate": {"condition": "service_completed_successfully"},
        "nats-provision": {"condition": "service_completed_successfully"},
    }
    assert services(compose)[f"{name}-migrate"]["command"] == ["migrate"]
    provision = services(compose)["nats-provision"]["command"]
    assert provision[provision.index("--replicas") + 1] == "3"


def test_each_database_is_on_a_network_that_only_its_service_joins(
    compose: dict[str, Any],
) -> None:
    data_networks = {name for name in compose["networks"] if name.endswith("-data")}
    assert data_networks == {f"{name}-data" for name in SERVICES}
    for network in data_networks:
        assert compose["networks"][network].get("internal") is True
        owner = network.removesuffix("-data")
        members = {n for n, s in services(compose).items() if network in s.get("networks", [])}
        databases = {f"{owner}-db"} | ({"cases-keys-db"} if owner == "cases" else set())
        assert members == {owner, f"{owner}-migrate"} | databases


def test_cases_keeps_its_clients_keys_in_a_database_apart_from_their_data(
    compose: dict[str, Any],
) -> None:
    keys = "postgresql+asyncpg://cases_keys:change-me@cases-keys-db:5432/cases_keys"
    for name in ("cases", "cases-migrate"):
        environment = services(compose)[name]["environment"]
        assert environment["PILAR_CASES_KEY_DATABASE_URL"] == keys
        assert "cases-keys-db" not in environment["PILAR_CASES_DATABASE_URL"]


def test_docker_compose_config_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run([docker, "compose", "version"], capture_output=True).returncode
    ):
        pytest.skip("the docker compose plugin is not installed; the schema test stands in")
    result = subprocess.run(
        [
            docker,
            "compose",
            "--env-file",
            str(ENV_EXAMPLE),
            "-f",
            str(COMPOSE_FILE),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
