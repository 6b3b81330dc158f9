"""JSON Schema export of every event, and the compatibility rule the snapshots enforce.

Run ``python -m pilar_contracts.schemas DIR`` (``make schemas``) after an intended change.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pilar_contracts.envelope import Event
from pilar_contracts.events import ALL_EVENTS


def event_schema(event: type[Event]) -> dict[str, Any]:
    """Return the JSON Schema of one event, named by its CloudEvents dataschema."""
    schema = event.model_json_schema(mode="serialization")
    schema["$id"] = event.kind.dataschema
    schema["x-ce-type"] = event.kind.type_name
    schema["x-private"] = event.kind.private
    return schema


def render(schema: dict[str, Any]) -> str:
    """Render a schema the way the snapshot files store it."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export(directory: Path) -> list[Path]:
    """Write one ``<ce-type>.json`` file per event into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event in ALL_EVENTS:
        path = directory / f"{event.kind.type_name}.json"
        path.write_text(render(event_schema(event)), encoding="utf-8")
        written.append(path)
    return written


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """List what in ``new`` would break a consumer built on ``old`` (same major version)."""
    problems = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, prop in old_props.items():
        if name not in new_props:
            problems.append(f"field {name!r} removed")
        elif _shape(prop) != _shape(new_props[name]):
            problems.append(f"field {name!r} changed type")
    for name in set(new.get("required", ())) - set(old.get("required", ())):
        problems.append(f"field {name!r} became required")
    return problems


def _shape(prop: dict[str, Any]) -> Any:
    """The parts of a property schema a consumer depends on."""
    keys = ("type", "$ref", "anyOf", "items", "format", "enum", "pattern")
    return {k: prop[k] for k in keys if k in prop}


if __name__ == "__main__":
    for written_path in export(Path(sys.argv[1] if len(sys.argv) > 1 else "contracts/schemas")):
        print(written_path)
