"""Notifications tables: the recipient directory and preferences, case facts, the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Index, Integer, SmallInteger, String, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pilar_kit.db import UtcDateTime, new_metadata
from pilar_kit.inbox import inbox_table
from pilar_kit.outbox import outbox_table


class Base(DeclarativeBase):
    """Declarative base of the notifications database."""

    metadata = new_metadata()


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class RecipientRow(Base):
    """How to reach one person (from registry's private ContactChanged events)."""

    __tablename__ = "recipients"
    person_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    person_kind: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    whatsapp: Mapped[str | None] = mapped_column(String(32))
    preferred_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Operators and ministry systems: the region prefixes they answer for ("" is national).
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)


class PreferenceRow(Base):
    """What a person chose over the directory API: categories opted out of, language."""

    __tablename__ = "preferences"
    person_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    opt_outs: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class NotificationRow(Base):
    """One message to one recipient on one channel, caused by one event."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("cause_event_id", "recipient_id", "channel"),
        Index("ix_notifications_due", "status", "priority", "next_attempt_at"),
    )
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    cause_event_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    cause_type: Mapped[str] = mapped_column(String(100))
    cause_region: Mapped[str] = mapped_column(String(13))
    traceparent: Mapped[str | None] = mapped_column(String(64))
    recipient_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    channel: Mapped[str] = mapped_column(String(16))  # the channel tried now, or last
    channels_tried: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[int] = mapped_column(SmallInteger, default=1)
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    channel_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cause_time: Mapped[datetime | None] = mapped_column(UtcDateTime)  # for the end-to-end delay
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))


class CaseFactRow(Base):
    """Codes of a case from its CaseOpened event: enough to word a referral, no client data."""

    __tablename__ = "case_facts"
    case_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    region: Mapped[str] = mapped_column(String(13))
    pmks_category: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[UUID | None] = mapped_column(Uuid)  # opened_by, when it is a UUID
