"""CloudEvents 1.0 envelope in NATS binary mode.

The body of a message is the event's own JSON; the CloudEvents attributes ride in
``ce-*`` headers beside W3C ``traceparent``. The event id doubles as ``Nats-Msg-Id``
so JetStream drops duplicate publishes, and it keys every inbox.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator
from uuid6 import uuid7

from pilar_contracts.subjects import event_subject, validate_region

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
SCHEMA_URN = "urn:pilar:schema:"


class EventKind:
    """Where an event type sits in the catalogue: producer, entity, action, major version."""

    __slots__ = ("action", "entity", "major", "private", "producer")

    def __init__(
        self, producer: str, entity: str, action: str, major: int = 1, *, private: bool = False
    ) -> None:
        self.producer, self.entity, self.action = producer, entity, action
        self.major, self.private = major, private

    @property
    def type_name(self) -> str:
        """CloudEvents ``type``: ``pilar.<producer>.<entity>.<action>.v<major>``."""
        return f"pilar.{self.producer}.{self.entity}.{self.action}.v{self.major}"

    @property
    def dataschema(self) -> str:
        """The name of the event's exported JSON Schema."""
        return f"{SCHEMA_URN}{self.type_name}"


class Event(BaseModel):
    """Base of every public and private Pilar event: a frozen, typed body."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    kind: ClassVar[EventKind]


class Envelope(BaseModel):
    """The CloudEvents attributes of one event, carried as NATS headers."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid7)
    source: str
    type: str
    subject: str
    time: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    dataschema: str
    region: str
    traceparent: str | None = None
    tracestate: str | None = None
    specversion: str = SPEC_VERSION

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return validate_region(value)

    def headers(self) -> dict[str, str]:
        """Return the NATS headers of this envelope (binary mode)."""
        event_id = str(self.id)
        headers = {
            "ce-specversion": self.specversion,
            "ce-id": event_id,
            "ce-source": self.source,
            "ce-type": self.type,
            "ce-subject": self.subject,
            "ce-time": self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "ce-dataschema": self.dataschema,
            "ce-region": self.region,
            "Content-Type": CONTENT_TYPE,
            "Nats-Msg-Id": event_id,
        }
        if self.traceparent:
            headers["traceparent"] = self.traceparent
        if self.tracestate:
            headers["tracestate"] = self.tracestate
        return headers

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Envelope:
        """Read an envelope from NATS headers; raise ``EnvelopeError`` when it is incomplete."""
        try:
            if headers.get("ce-specversion") != SPEC_VERSION:
                raise EnvelopeError(f"unsupported ce-specversion {headers.get('ce-specversion')!r}")
            return cls(
                id=headers["ce-id"],  # parsed by pydantic-core, faster than uuid.UUID()
                source=headers["ce-source"],
                type=headers["ce-type"],
                subject=headers["ce-subject"],
                time=datetime.fromisoformat(headers["ce-time"]),
                dataschema=headers.get("ce-dataschema", ""),
                region=headers.get("ce-region", ""),
                traceparent=headers.get("traceparent"),
                tracestate=headers.get("tracestate"),
            )
        except KeyError as missing:
            raise EnvelopeError(f"missing header {missing.args[0]}") from None
        except (ValueError, ValidationError) as bad:
            raise EnvelopeError(f"invalid envelope: {bad}") from None


class EnvelopeError(ValueError):
    """A message whose CloudEvents headers are missing or malformed."""


class Outgoing(BaseModel):
    """An event ready to publish: subject, headers and encoded body."""

    model_config = ConfigDict(frozen=True)

    envelope: Envelope
    nats_subject: str
    body: bytes


def wrap(event: Event, *, source: str, subject: str, region: str) -> Outgoing:
    """Wrap an event in a fresh envelope for the record ``subject`` of ``region``."""
    kind = type(event).kind
    envelope = Envelope(
        source=source,
        type=kind.type_name,
        subject=subject,
        dataschema=kind.dataschema,
        region=region,
    )
    nats_subject = event_subject(kind.type_name, envelope.region, private=kind.private)
    return Outgoing(
        envelope=envelope, nats_subject=nats_subject, body=event.model_dump_json().encode()
    )
