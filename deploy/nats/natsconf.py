"""Write nats-server configuration syntax from plain Python data: maps, lists, strings, numbers.

Strings are always quoted (so subjects such as ``$JS.API.>`` are never taken for variables);
``Var`` is the one way to write a bare ``$NAME`` reference, resolved by nats-server from the
environment when it starts. Keys starting with ``#`` become comment lines.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeGuard

Value = object
INDENT = "  "


@dataclass(frozen=True)
class Var:
    """A ``$NAME`` reference that nats-server resolves from its environment at start-up."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


@dataclass(frozen=True)
class Raw:
    """A value written as is (sizes such as ``10GB``, durations such as ``2m``)."""

    text: str


def render(config: Mapping[str, Value], header: str = "") -> str:
    """Return the text of a whole configuration file."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += _block(config, 0)
    return "\n".join(lines) + "\n"


def _block(config: Mapping[str, Value], depth: int) -> list[str]:
    pad = INDENT * depth
    lines: list[str] = []
    for key, value in config.items():
        if key.startswith("#"):
            lines.append(f"{pad}{key}")
        elif key == "include":  # a directive, not a key: ``include "file"``
            lines.append(f"{pad}include {_scalar(value)}")
        elif isinstance(value, Mapping):
            lines += [f"{pad}{key} {{", *_block(value, depth + 1), f"{pad}}}"]
        elif _is_list(value) and (
            any(isinstance(item, Mapping) for item in value) or len(_scalar(value)) > 80
        ):
            lines += [f"{pad}{key}: [", *_items(value, depth + 1), f"{pad}]"]
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return lines


def _items(values: Sequence[Value], depth: int) -> list[str]:
    pad = INDENT * depth
    lines: list[str] = []
    for value in values:
        if isinstance(value, Mapping) and all(str(key).startswith("#") for key in value):
            lines += [f"{pad}{key}" for key in value]  # a comment between items
        elif isinstance(value, Mapping):
            lines += [f"{pad}{{", *_block(value, depth + 1), f"{pad}}}"]
        else:
            lines.append(f"{pad}{_scalar(value)}")
    return lines


def _is_list(value: Value) -> TypeGuard[Sequence[Value]]:
    return isinstance(value, list | tuple)


def _scalar(value: Value) -> str:
    if isinstance(value, Var | Raw):
        return str(value) if isinstance(value, Var) else value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} in a NATS configuration")
