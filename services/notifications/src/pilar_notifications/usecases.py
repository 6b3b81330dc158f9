"""Notification use cases: enqueue on events, deliver, record the outcome with its event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_contracts import Event, wrap
from pilar_contracts.events.notifications import SOURCE, NotificationDelivered, NotificationFailed
from pilar_contracts.events.registry import ContactChanged
from pilar_kit.consumer import Delivery
from pilar_kit.outbox import Outbox
from pilar_notifications.rules import Rule
from pilar_notifications.store import NotificationRow, RecipientRow

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def _insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def save_contact(session: AsyncSession, event: ContactChanged, at: datetime) -> None:
    """Keep the newest contact details of a person."""
    values = {
        "person_id": event.person_id,
        "person_kind": event.person_kind,
        "display_name": event.display_name,
        "email": event.email,
        "phone": event.phone,
        "whatsapp": event.whatsapp,
        "preferred_channels": [c.value for c in event.preferred_channels],
        "language": event.language,
        "updated_at": at,
    }
    stmt = _insert(session)(RecipientRow).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[RecipientRow.person_id],
        set_={k: stmt.excluded[k] for k in values if k != "person_id"},
        where=RecipientRow.updated_at <= stmt.excluded.updated_at,
    )
    await session.execute(stmt)


async def enqueue(session: AsyncSession, rule: Rule, event: Event, delivery: Delivery) -> None:
    """Record the notifications an event causes; once per (cause, recipient, channel)."""
    now = datetime.now(UTC)
    envelope = delivery.envelope
    rows = [
        {
            "id": uuid7(),
            "cause_event_id": envelope.id,
            "cause_type": envelope.type,
            "cause_region": envelope.region,
            "traceparent": envelope.traceparent,
            "recipient_id": rule.recipient(event),
            "channel": channel,
            "template": rule.template,
            "params": rule.params(event),
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for channel in rule.channels[:1]  # fallback channels are tried by the dispatcher
    ]
    await session.execute(_insert(session)(NotificationRow).values(rows).on_conflict_do_nothing())


async def due(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[NotificationRow, RecipientRow | None]]:
    """Pending notifications whose time has come, with their recipient if known."""
    query = (
        select(NotificationRow, RecipientRow)
        .outerjoin(RecipientRow, RecipientRow.person_id == NotificationRow.recipient_id)
        .where(NotificationRow.status == PENDING, NotificationRow.next_attempt_at <= now)
        .order_by(NotificationRow.next_attempt_at)
        .limit(limit)
    )
    return [(n, r) for n, r in (await session.execute(query)).all()]


async def mark_delivered(session: AsyncSession, outbox: Outbox, notification_id: UUID) -> None:
    """Record the delivery and announce it."""
    row = await session.get(NotificationRow, notification_id)
    assert row is not None
    row.status, row.attempts, row.delivered_at = DELIVERED, row.attempts + 1, datetime.now(UTC)
    event = NotificationDelivered(
        notification_id=row.id,
        cause_event_id=row.cause_event_id,
        recipient_id=row.recipient_id,
        channel=row.channel,
        attempts=row.attempts,
    )
    subject = f"notification/{row.id}"
    await outbox.stage(
        session, wrap(event, source=SOURCE, subject=subject, region=row.cause_region)
    )


async def mark_attempt_failed(
    session: AsyncSession, outbox: Outbox, notification_id: UUID, reason: str, *, max_attempts: int
) -> None:
    """Count a failed attempt; retry later with a growing delay, or give up and announce it."""
    row = await session.get(NotificationRow, notification_id)
    assert row is not None
    row.attempts += 1
    row.last_error = reason
    if row.attempts < max_attempts:
        row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=min(2**row.attempts, 300))
        return
    row.status = FAILED
    event = NotificationFailed(
        notification_id=row.id,
        cause_event_id=row.cause_event_id,
        recipient_id=row.recipient_id,
        channels_tried=(row.channel,),
        reason_code=reason,
    )
    subject = f"notification/{row.id}"
    await outbox.stage(
        session, wrap(event, source=SOURCE, subject=subject, region=row.cause_region)
    )


async def wait_for_contact(
    session: AsyncSession, notification_id: UUID, *, give_up_if_created_before: datetime
) -> bool:
    """Reschedule a notification whose recipient is not known yet; False when waited enough."""
    row = await session.get(NotificationRow, notification_id)
    assert row is not None
    if row.created_at < give_up_if_created_before:
        return False
    row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=2)
    return True
