"""Notification use cases: enqueue on events, deliver, record the outcome with its event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_contracts import Event, wrap
from pilar_contracts.events.cases import CaseOpened
from pilar_contracts.events.notifications import SOURCE, NotificationDelivered, NotificationFailed
from pilar_contracts.events.registry import ContactChanged
from pilar_kit.consumer import Delivery
from pilar_kit.outbox import Outbox
from pilar_notifications.policy import Fallback, GiveUp, Retry, RetryPolicy, after_failure
from pilar_notifications.rules import CaseFacts, Rule
from pilar_notifications.store import CaseFactRow, NotificationRow, RecipientRow

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
FIRST_CHANNEL = "email"


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


async def save_case_facts(session: AsyncSession, event: CaseOpened) -> None:
    """Remember the codes of a case, and its owner when the owner is a known kind of id."""
    values = {
        "case_id": event.case_id,
        "region": event.region,
        "pmks_category": event.pmks_category,
        "owner_id": _as_uuid(event.opened_by),
    }
    await session.execute(_insert(session)(CaseFactRow).values(values).on_conflict_do_nothing())


def _as_uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


async def case_facts(session: AsyncSession, case_id: UUID, region: str) -> CaseFacts:
    """The case's facts, or only the region of the event when CaseOpened was not seen."""
    row = await session.get(CaseFactRow, case_id)
    if row is None:
        return CaseFacts(region=region)
    return CaseFacts(region=row.region, pmks_category=row.pmks_category, owner_id=row.owner_id)


async def enqueue(
    session: AsyncSession,
    rule: Rule,
    event: Event,
    delivery: Delivery,
    case: CaseFacts | None = None,
) -> None:
    """Record the notification an event causes; once per (cause, recipient, channel)."""
    recipient = rule.recipient(event, case)
    if recipient is None:
        return  # nobody the directory can know (e.g. a case owner with an opaque id)
    now, envelope = datetime.now(UTC), delivery.envelope
    row = {
        "id": uuid7(),
        "cause_event_id": envelope.id,
        "cause_type": envelope.type,
        "cause_region": envelope.region,
        "traceparent": envelope.traceparent,
        "recipient_id": recipient,
        "channel": FIRST_CHANNEL,  # the dispatcher routes it to the recipient's preference
        "channels_tried": [],
        "priority": int(rule.priority),
        "template": rule.template,
        "params": rule.params(event, case),
        "status": PENDING,
        "attempts": 0,
        "channel_attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    await session.execute(_insert(session)(NotificationRow).values(row).on_conflict_do_nothing())


async def due(
    session: AsyncSession, now: datetime, limit: int
) -> list[tuple[NotificationRow, RecipientRow | None]]:
    """Pending notifications whose time has come, urgent first, with their recipient if known."""
    query = (
        select(NotificationRow, RecipientRow)
        .outerjoin(RecipientRow, RecipientRow.person_id == NotificationRow.recipient_id)
        .where(NotificationRow.status == PENDING, NotificationRow.next_attempt_at <= now)
        .order_by(NotificationRow.priority, NotificationRow.next_attempt_at)
        .limit(limit)
    )
    return [(n, r) for n, r in (await session.execute(query)).all()]


async def _announce(
    session: AsyncSession, outbox: Outbox, row: NotificationRow, event: Event
) -> None:
    subject = f"notification/{row.id}"
    await outbox.stage(
        session, wrap(event, source=SOURCE, subject=subject, region=row.cause_region)
    )


def _count_attempt(row: NotificationRow, channel: str) -> None:
    if row.channel != channel:
        row.channel, row.channel_attempts = channel, 0
    row.attempts += 1
    row.channel_attempts += 1


async def mark_delivered(
    session: AsyncSession, outbox: Outbox, notification_id: UUID, *, channel: str
) -> None:
    """Record the delivery on a channel and announce it."""
    row = await session.get(NotificationRow, notification_id)
    assert row is not None
    _count_attempt(row, channel)
    row.status, row.delivered_at = DELIVERED, datetime.now(UTC)
    event = NotificationDelivered(
        notification_id=row.id,
        cause_event_id=row.cause_event_id,
        recipient_id=row.recipient_id,
        channel=row.channel,
        attempts=row.attempts,
    )
    await _announce(session, outbox, row, event)


async def mark_attempt_failed(
    session: AsyncSession,
    outbox: Outbox,
    notification_id: UUID,
    *,
    channel: str,
    reason: str,
    permanent: bool,
    plan: tuple[str, ...],
    policy: RetryPolicy,
    now: datetime,
    rng: Random,
) -> None:
    """Count a failed attempt, then retry later, fall back to the next channel, or give up."""
    row = await session.get(NotificationRow, notification_id)
    assert row is not None
    _count_attempt(row, channel)
    row.last_error = reason
    tried = [*row.channels_tried, channel]
    decision = after_failure(
        policy=policy,
        plan=plan,
        tried=tried,
        attempts_on_channel=row.channel_attempts,
        permanent=permanent,
        now=now,
        rng=rng,
    )
    if isinstance(decision, Retry):
        row.next_attempt_at = decision.at
        return
    row.channels_tried = tried
    if isinstance(decision, Fallback):
        row.channel, row.channel_attempts, row.next_attempt_at = decision.channel, 0, now
        return
    assert isinstance(decision, GiveUp)
    await _fail(session, outbox, row, reason)


async def give_up(
    session: AsyncSession, outbox: Outbox, notification_id: UUID, reason: str
) -> None:
    """Mark a notification failed without a channel left to try, and announce it."""
    row = await session.get(NotificationRow, notification_id)
    assert row is not None
    await _fail(session, outbox, row, reason)


async def _fail(session: AsyncSession, outbox: Outbox, row: NotificationRow, reason: str) -> None:
    row.status, row.last_error = FAILED, reason
    event = NotificationFailed(
        notification_id=row.id,
        cause_event_id=row.cause_event_id,
        recipient_id=row.recipient_id,
        channels_tried=tuple(row.channels_tried),
        reason_code=reason,
    )
    await _announce(session, outbox, row, event)


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
