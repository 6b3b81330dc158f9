"""The service images: small, non-root, health-checked, each with its own code alone."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex

import pytest

from tests.deploy.manifests import (
    REPO,
    SERVICES,
    dockerfile_path,
    dockerfile_stages,
    env_prefix,
    is_setting,
    pyproject,
    settings_class,
    uv_sync_packages,
    workspace_closure,
    workspace_members,
)

MEMBER_MANIFEST = re.compile(r"^COPY \S+/pyproject\.toml \S+/$")


def package_of(service: str) -> str:
    """The distribution name in the service's own pyproject.toml."""
    name: str = pyproject(REPO / "services" / service)["project"]["name"]
    return name


def copy_sources(argument: str) -> list[str]:
    """The sources of a COPY instruction: every word but the flags and the destination."""
    words = [word for word in shlex.split(argument) if not word.startswith("--")]
    return words[:-1]


def env_of(instructions: list[str]) -> dict[str, str]:
    """The variables that ENV instructions (``KEY=value ...`` form) set."""
    values: dict[str, str] = {}
    for argument in instructions:
        for word in shlex.split(argument):
            key, _, value = word.partition("=")
            values[key] = value
    return values


def test_every_runnable_service_has_a_dockerfile() -> None:
    runnable = {
        path.parents[2].name
        for path in REPO.glob("services/*/src/pilar_*/__main__.py")
        if path.parents[2].name != "kit"
    }
    assert runnable == set(SERVICES)
    for service in SERVICES:
        assert dockerfile_path(service).is_file(), service


@pytest.mark.parametrize("service", SERVICES)
def test_final_image_runs_as_a_non_root_user(service: str) -> None:
    final = dockerfile_stages(dockerfile_path(service))[-1]
    users = final.args("USER")
    assert users, "the final stage sets no USER, so it runs as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}
    assert not user.isdigit() or int(user) >= 1000


@pytest.mark.parametrize("service", SERVICES)
def test_health_check_probes_readiness_on_the_service_port(service: str) -> None:
    final = dockerfile_stages(dockerfile_path(service))[-1]
    env = env_of(final.args("ENV"))
    port = settings_class(service).model_fields["http_port"].default
    assert env[f"{env_prefix(service)}HTTP_PORT"] == str(port)
    assert env[f"{env_prefix(service)}HTTP_HOST"] == "0.0.0.0"  # reachable from outside
    assert final.args("EXPOSE") == [str(port)]
    (check,) = final.args("HEALTHCHECK")
    command = json.loads(check.split(" CMD ", 1)[1])
    assert f"{env_prefix(service)}HTTP_PORT" in command[-1]
    assert re.search(r"/(readyz|healthz)'", command[-1])


@pytest.mark.parametrize("service", SERVICES)
def test_uv_installs_only_this_service_and_no_dev_tools(service: str) -> None:
    build = dockerfile_stages(dockerfile_path(service))[0]
    syncs = uv_sync_packages(build)
    assert syncs, "the build stage never runs uv sync"
    for arguments in syncs:
        assert "--frozen" in arguments  # exactly what uv.lock pins
        assert "--no-dev" in arguments
        assert arguments[arguments.index("--package") + 1] == package_of(service)


@pytest.mark.parametrize("service", SERVICES)
def test_copies_the_workspace_and_the_code_the_service_needs(service: str) -> None:
    build = dockerfile_stages(dockerfile_path(service))[0]
    sources = {source for arg in build.args("COPY") for source in copy_sources(arg)}
    members = workspace_members()
    manifests = {f"{path.relative_to(REPO)}/pyproject.toml" for path in members.values()}
    assert manifests | {"pyproject.toml", "uv.lock"} <= sources  # uv reads the whole workspace
    code = {source for source in sources if source.endswith("/src")}
    needed = {
        f"{members[name].relative_to(REPO)}/src" for name in workspace_closure(package_of(service))
    }
    assert code == needed


@pytest.mark.parametrize("service", SERVICES)
def test_entrypoint_runs_the_service_module(service: str) -> None:
    final = dockerfile_stages(dockerfile_path(service))[-1]
    assert json.loads(final.args("ENTRYPOINT")[-1]) == ["python", "-m", f"pilar_{service}"]
    assert json.loads(final.args("CMD")[-1]) == ["serve"]  # migrates first, then serves
    assert (REPO / "services" / service / "src" / f"pilar_{service}" / "__main__.py").is_file()


def test_dockerfiles_differ_only_by_service_name_and_port() -> None:
    def neutral(service: str) -> str:
        port = str(settings_class(service).model_fields["http_port"].default)
        lines = dockerfile_path(service).read_text(encoding="utf-8").splitlines()
        # the workspace manifests are the same lines in every file (checked above)
        text = "\n".join(line for line in lines if not MEMBER_MANIFEST.match(line))
        for word in (service.upper(), service):
            text = text.replace(word, "SERVICE")
        return text.replace(port, "PORT")

    reference = neutral(SERVICES[0])
    for service in SERVICES[1:]:
        assert neutral(service) == reference, f"{service}.Dockerfile drifted from the others"


def dockerignore_allows(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore lets ``path`` into the build context (last match wins)."""
    allowed = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.lstrip("!").rstrip("/")
        if glob == "**" or fnmatch.fnmatch(path, glob) or path.startswith(glob + "/"):
            allowed = negated
    return allowed


def test_dockerignore_lets_in_what_the_dockerfiles_copy_and_keeps_out_local_state() -> None:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for service in SERVICES:
        build = dockerfile_stages(dockerfile_path(service))[0]
        for source in (src for arg in build.args("COPY") for src in copy_sources(arg)):
            assert dockerignore_allows(source, patterns), f"{source} is ignored"
    for local in (".venv", ".run/registry.db", ".tools", ".git", "tests/conftest.py"):
        assert not dockerignore_allows(local, patterns), f"{local} would enter the build context"


@pytest.mark.parametrize("service", SERVICES)
def test_image_environment_names_real_settings(service: str) -> None:
    final = dockerfile_stages(dockerfile_path(service))[-1]
    pilar = [key for key in env_of(final.args("ENV")) if key.startswith("PILAR_")]
    assert pilar
    assert [key for key in pilar if not is_setting(service, key)] == []
