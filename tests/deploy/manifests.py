"""What the deploy tests read: the services, their settings, Dockerfiles and YAML manifests."""

from __future__ import annotations

import importlib
import os
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from pilar_kit.settings import ServiceSettings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
SERVICES = ("registry", "cases", "notifications", "analytics")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pyproject(folder: Path) -> dict[str, Any]:
    """A pyproject.toml, parsed."""
    return tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))


def workspace_members() -> dict[str, Path]:
    """Package name -> folder of every uv workspace member of the root pyproject."""
    members = pyproject(REPO)["tool"]["uv"]["workspace"]["members"]
    return {pyproject(REPO / member)["project"]["name"]: REPO / member for member in members}


def workspace_closure(package: str) -> set[str]:
    """The package and every workspace package it depends on, transitively."""
    members, found, todo = workspace_members(), set(), [package]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        for requirement in pyproject(members[name])["project"].get("dependencies", []):
            dependency = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
            if dependency in members:
                todo.append(dependency)
    return found


def settings_class(service: str) -> type[ServiceSettings]:
    """The service's settings class (``pilar_cases.settings.CasesSettings``)."""
    module = importlib.import_module(f"pilar_{service}.settings")
    cls: type[ServiceSettings] = getattr(module, f"{service.capitalize()}Settings")
    return cls


def env_prefix(service: str) -> str:
    """``PILAR_CASES_`` for cases."""
    return f"PILAR_{service.upper()}_"


def is_setting(service: str, name: str) -> bool:
    """Whether an environment variable names a field of the service's settings."""
    prefix = env_prefix(service)
    if not name.startswith(prefix):
        return False
    path = name[len(prefix) :].lower().split("__")
    model: type[BaseModel] = settings_class(service)
    for part in path[:-1]:
        info = model.model_fields.get(part)
        if info is None or not (
            isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
        ):
            return False
        model = info.annotation
    return path[-1] in model.model_fields


def yaml_documents(text: str) -> list[dict[str, Any]]:
    """Every non-empty document of a YAML stream."""
    return [doc for doc in yaml.safe_load_all(text) if doc]


@dataclass
class Stage:
    """One stage of a Dockerfile: its instructions as (keyword, argument) pairs."""

    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        """The arguments of every instruction with this keyword."""
        return [arg for key, arg in self.instructions if key == keyword]


def dockerfile_path(service: str) -> Path:
    """The service's Dockerfile."""
    return DEPLOY / "docker" / f"{service}.Dockerfile"


def dockerfile_stages(path: Path) -> list[Stage]:
    """Parse a Dockerfile into stages, joining continued lines and dropping comments."""
    logical, pending = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stages.append(Stage(base=argument.split()[0]))
        elif stages:
            stages[-1].instructions.append((keyword, argument.strip()))
    return stages


def uv_sync_packages(stage: Stage) -> list[list[str]]:
    """The argument lists of every ``uv sync`` that a stage runs."""
    runs = []
    for command in stage.args("RUN"):
        words = shlex.split(command)
        if words[:2] == ["uv", "sync"]:
            runs.append(words[2:])
    return runs


def require_tool(path: str | None, what: str) -> str:
    """The tool's path; skip without it, but fail in CI, where it must be installed."""
    if path is None:
        if IN_CI:
            pytest.fail(f"{what} is required in CI but was not found")
        pytest.skip(f"{what} not installed")
    return path
