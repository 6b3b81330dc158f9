"""JSON Schema snapshots: an incompatible change to a v1 event fails here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pilar_contracts import ALL_EVENTS, Event
from pilar_contracts.asyncapi import document
from pilar_contracts.schemas import breaking_changes, event_schema, render

SNAPSHOTS = Path(__file__).parents[2] / "contracts" / "schemas"


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.kind.type_name)
def test_schema_matches_its_snapshot(event: type[Event]) -> None:
    path = SNAPSHOTS / f"{event.kind.type_name}.json"
    assert path.exists(), f"no snapshot for {event.kind.type_name}: run `make schemas`"
    old = json.loads(path.read_text())
    new = event_schema(event)
    problems = breaking_changes(old, new)
    assert not problems, f"breaking change to {event.kind.type_name}: {problems}; publish a .v2"
    assert render(new) == path.read_text(), "compatible change: run `make schemas` and commit"


def test_no_snapshot_without_an_event() -> None:
    names = {f"{e.kind.type_name}.json" for e in ALL_EVENTS}
    assert {p.name for p in SNAPSHOTS.glob("*.json")} == names


def test_breaking_changes_are_detected() -> None:
    old: dict[str, Any] = {
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert breaking_changes(old, old) == []
    added_optional = {
        "properties": {**old["properties"], "c": {"type": "string"}},
        "required": ["a"],
    }
    assert breaking_changes(old, added_optional) == []
    removed = {"properties": {"a": {"type": "string"}}, "required": ["a"]}
    assert breaking_changes(old, removed) == ["field 'b' removed"]
    retyped = {
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert breaking_changes(old, retyped) == ["field 'a' changed type"]
    required = {"properties": old["properties"], "required": ["a", "b"]}
    assert breaking_changes(old, required) == ["field 'b' became required"]


def test_asyncapi_document_describes_every_event() -> None:
    doc = document()
    assert doc["asyncapi"] == "3.0.0"
    assert set(doc["components"]["messages"]) == {e.__name__ for e in ALL_EVENTS}
    referred = doc["channels"]["CaseReferred"]
    assert referred["address"] == "pilar.cases.case.referred.v1.{province}.{regency}"
    contact = doc["channels"]["ContactChanged"]
    assert contact["address"].startswith("pilar.private.")
    headers = doc["components"]["messages"]["CaseOpened"]["headers"]
    assert "ce-id" in headers["required"]


def test_public_events_carry_no_personal_data_fields() -> None:
    personal = {"name", "nik", "kk", "phone", "address", "email", "display_name", "whatsapp"}
    public_names = {("DisasterDeclared", "name")}  # a disaster's public name, not a person's
    for event in ALL_EVENTS:
        if event.kind.private:
            continue
        found = {(event.__name__, f) for f in personal & set(event.model_fields)}
        assert found <= public_names, found
