"""Notification use cases on events: keep the directory and case facts, enqueue notifications."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from pilar_contracts import Envelope, Event
from pilar_contracts.events.cases import CaseOpened
from pilar_contracts.events.registry import ContactChanged
from pilar_notifications import directory
from pilar_notifications.directory import insert
from pilar_notifications.rules import OPTIONAL, CaseFacts, Rule
from pilar_notifications.store import CaseFactRow, NotificationRow

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
FIRST_CHANNEL = "email"


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
    await directory.upsert_recipient(session, values)


async def save_case_facts(session: AsyncSession, event: CaseOpened) -> None:
    """Remember the codes of a case and its owner (the operator who opened it)."""
    values = {
        "case_id": event.case_id,
        "region": event.region,
        "pmks_category": event.pmks_category,
        "owner_id": directory.person_id(event.opened_by),
    }
    await session.execute(insert(session)(CaseFactRow).values(values).on_conflict_do_nothing())


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
    envelope: Envelope,
    case: CaseFacts | None = None,
) -> int:
    """Record the notifications an event causes, once per (cause, recipient, channel)."""
    recipients = await directory.audience(session, rule.recipient(event, case))
    if rule.category in OPTIONAL:
        recipients = await directory.without_opt_outs(session, recipients, rule.category)
    if not recipients:
        return 0  # nobody the directory can know, or everybody opted out
    now = datetime.now(UTC)
    params = rule.params(event, case)
    rows = [_row(rule, envelope, recipient, params, now) for recipient in recipients]
    stmt = insert(session)(NotificationRow).on_conflict_do_nothing()
    await session.execute(stmt, rows)
    return len(rows)


def _row(
    rule: Rule, envelope: Envelope, recipient: UUID, params: dict[str, object], now: datetime
) -> dict[str, object]:
    return {
        "id": uuid7(),
        "cause_event_id": envelope.id,
        "cause_type": envelope.type,
        "cause_region": envelope.region,
        "cause_time": envelope.time,
        "traceparent": envelope.traceparent,
        "recipient_id": recipient,
        "channel": FIRST_CHANNEL,  # the dispatcher routes it to the recipient's preference
        "channels_tried": [],
        "priority": int(rule.priority),
        "template": rule.template,
        "params": params,
        "status": PENDING,
        "attempts": 0,
        "channel_attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
