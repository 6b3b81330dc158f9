"""The compose file as Docker Compose reads it: YAML, then ``${VAR}`` interpolation from .env."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.manifests import DEPLOY

COMPOSE_DIR = DEPLOY / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
VARIABLE = re.compile(r"\$(?:\$|\{(\w+)(?:(:?[-?])([^}]*))?\}|(\w+))")


def compose_spec_schema() -> dict[str, Any]:
    """The compose-spec JSON schema that check-jsonschema vendors (Apache-2.0, compose-spec)."""
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads(vendored.joinpath("compose-spec.json").read_text())
    return schema


def raw_compose() -> dict[str, Any]:
    """The compose file as written (anchors and merge keys resolved, no interpolation)."""
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return loaded


def env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of an env file."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


class MissingVariableError(ValueError):
    """A ``${VAR:?message}`` whose variable is unset."""


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation: ``$$``, ``${V}``, ``${V:-d}``, ``${V-d}``, ``${V:?e}``..."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3) or ""
        value = env.get(name)
        missing = value is None or (value == "" and operator is not None and ":" in operator)
        if operator in (":-", "-") and missing:
            return argument
        if operator in (":?", "?") and missing:
            raise MissingVariableError(f"{name}: {argument}")
        return value or ""

    return VARIABLE.sub(replace, text)


def interpolated(value: Any, env: dict[str, str]) -> Any:
    """Interpolate every string of a loaded compose document."""
    if isinstance(value, str):
        return interpolate(value, env)
    if isinstance(value, list):
        return [interpolated(item, env) for item in value]
    if isinstance(value, dict):
        return {key: interpolated(item, env) for key, item in value.items()}
    return value


def referenced_variables(value: Any) -> dict[str, str | None]:
    """Every variable the document interpolates, with its operator (None: plain ``${V}``)."""
    found: dict[str, str | None] = {}
    if isinstance(value, str):
        for match in VARIABLE.finditer(value):
            name = match.group(1) or match.group(4)
            if name:
                found.setdefault(name, match.group(2))
    elif isinstance(value, list | dict):
        for item in value.values() if isinstance(value, dict) else value:
            for name, operator in referenced_variables(item).items():
                found.setdefault(name, operator)
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's ``environment`` as a mapping, whichever form it is written in."""
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}
