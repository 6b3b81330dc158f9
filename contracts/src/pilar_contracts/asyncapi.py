"""AsyncAPI 3.0 document of the whole event surface, generated from the catalogue.

``python -m pilar_contracts.asyncapi > contracts/asyncapi.json`` (``make asyncapi``).
"""

from __future__ import annotations

import json
from typing import Any

from pilar_contracts.envelope import Event
from pilar_contracts.events import ALL_EVENTS
from pilar_contracts.schemas import event_schema

CE_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["ce-specversion", "ce-id", "ce-source", "ce-type", "ce-subject", "ce-time"],
    "properties": {
        "ce-specversion": {"const": "1.0"},
        "ce-id": {"type": "string", "format": "uuid", "description": "also Nats-Msg-Id"},
        "ce-source": {"type": "string", "examples": ["/pilar/cases"]},
        "ce-type": {"type": "string"},
        "ce-subject": {"type": "string", "examples": ["case/<id>"]},
        "ce-time": {"type": "string", "format": "date-time"},
        "ce-dataschema": {"type": "string"},
        "ce-region": {"type": "string", "description": "Kemendagri code of the record"},
        "Nats-Msg-Id": {"type": "string"},
        "traceparent": {"type": "string", "description": "W3C trace context"},
    },
}


def _channel(event: type[Event]) -> dict[str, Any]:
    kind = event.kind
    prefix = "pilar.private." if kind.private else "pilar."
    address = f"{prefix}{kind.type_name.removeprefix('pilar.')}.{{province}}.{{regency}}"
    return {
        "address": address,
        "description": (event.__doc__ or "").strip(),
        "parameters": {
            "province": {"description": "2-digit province code, 00 when national"},
            "regency": {"description": "2-digit regency code, 00 when province-wide"},
        },
        "messages": {event.__name__: {"$ref": f"#/components/messages/{event.__name__}"}},
    }


def document() -> dict[str, Any]:
    """Return the AsyncAPI document as a dict."""
    channels, operations, messages = {}, {}, {}
    for event in ALL_EVENTS:
        name = event.__name__
        channels[name] = _channel(event)
        operations[f"publish{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{name}"},
            "summary": f"published by {event.kind.producer}",
        }
        messages[name] = {
            "name": name,
            "contentType": "application/json",
            "headers": CE_HEADERS,
            "payload": event_schema(event),
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Pilar events",
            "version": "1.0.0",
            "description": "Public and private events of Pilar, CloudEvents 1.0 binary mode "
            "over NATS JetStream. Private subjects (pilar.private.>) carry personal data and "
            "are readable only by the services allowed to.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


if __name__ == "__main__":
    print(json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False))
