"""Notification use cases on events: keep the directory and case facts, enqueue notifications."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Cause:
    """An event that may notify someone, with its envelope and, for a case, the case's facts."""

    event: Event
    envelope: Envelope
    case: CaseFacts | None = None


async def save_contacts(
    session: AsyncSession, changes: Sequence[tuple[ContactChanged, datetime]]
) -> None:
    """Keep the newest contact details of each person, a run of changes in one statement."""
    entries = [
        {
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
        for event, at in changes
    ]
    await directory.upsert_recipients(session, entries)


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
    return await enqueue_many(session, rule, [Cause(event, envelope, case)])


async def enqueue_many(session: AsyncSession, rule: Rule, causes: Sequence[Cause]) -> int:
    """Record the notifications a run of events causes by one rule, in one statement."""
    audiences = [await directory.audience(session, rule.recipient(c.event, c.case)) for c in causes]
    if rule.category in OPTIONAL:
        everyone = list(dict.fromkeys(r for audience in audiences for r in audience))
        kept = set(await directory.without_opt_outs(session, everyone, rule.category))
        audiences = [[r for r in audience if r in kept] for audience in audiences]
    now = datetime.now(UTC)
    rows = [
        _row(rule, cause.envelope, recipient, rule.params(cause.event, cause.case), now)
        for cause, audience in zip(causes, audiences, strict=True)
        for recipient in audience
    ]
    if not rows:
        return 0  # nobody the directory can know, or everybody opted out
    # One cached statement for any number of rows (executemany), not one per event.
    await session.execute(insert(session)(NotificationRow).on_conflict_do_nothing(), rows)
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
