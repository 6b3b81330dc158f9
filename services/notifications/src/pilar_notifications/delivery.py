"""Delivery use cases: claim due notifications, record outcomes with their events, escalate."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from random import Random
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_contracts import Event, Outgoing, wrap
from pilar_contracts.events.notifications import SOURCE, NotificationDelivered, NotificationFailed
from pilar_kit.outbox import Outbox
from pilar_notifications import directory
from pilar_notifications.policy import Fallback, GiveUp, Retry, RetryPolicy, after_failure
from pilar_notifications.rules import REPEAT_WINDOW_HOURS, CaseFacts, Priority, rules_for
from pilar_notifications.store import NotificationRow, PreferenceRow, RecipientRow
from pilar_notifications.usecases import DELIVERED, FAILED, PENDING, enqueue

AWAIT_CONTACT = timedelta(seconds=2)
_NOTIFICATIONS = cast(Table, NotificationRow.__table__)
_RECIPIENTS = cast(Table, RecipientRow.__table__)


@dataclass(slots=True)
class Pending:
    """A claimed notification as it stood when claimed; the lease keeps everyone else off it.

    Plain data rather than ORM rows: a call-out claims and records thousands a second, and
    the round's outcome is written from this state without reading the rows again.
    """

    id: UUID
    cause_event_id: UUID
    cause_type: str
    cause_region: str
    cause_time: datetime | None
    traceparent: str | None
    recipient_id: UUID
    channel: str
    channels_tried: list[str]
    priority: int
    template: str
    params: dict[str, Any]
    attempts: int
    channel_attempts: int
    created_at: datetime
    next_attempt_at: datetime
    status: str = PENDING
    delivered_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """How to reach the recipient of a claimed notification."""

    person_id: UUID
    person_kind: str
    display_name: str
    email: str | None
    phone: str | None
    whatsapp: str | None
    preferred_channels: list[str]
    language: str


@dataclass(frozen=True, slots=True)
class Due:
    """A notification to send now, its recipient if known, and the language they chose."""

    notification: Pending
    recipient: Recipient | None
    language: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What came of one attempt; ``channel`` None means the recipient is not known yet."""

    notification: Pending
    channel: str | None
    plan: tuple[str, ...] = ()
    reason: str | None = None  # None: delivered
    permanent: bool = False
    not_before: datetime | None = None  # a throttling gateway's Retry-After
    traceparent: str | None = None


_PENDING_COLUMNS = [_NOTIFICATIONS.c[f.name] for f in fields(Pending)]
_RECIPIENT_COLUMNS = [_RECIPIENTS.c[f.name] for f in fields(Recipient)]
_MUTABLE = (
    "channel",
    "channels_tried",
    "attempts",
    "channel_attempts",
    "next_attempt_at",
    "status",
    "delivered_at",
    "last_error",
)
# One statement for a round's outcomes, executed with a row of parameters per notification.
_SAVE = (
    update(_NOTIFICATIONS)
    .where(_NOTIFICATIONS.c.id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in _MUTABLE})
)


async def claim_due(
    session: AsyncSession,
    now: datetime,
    limit: int,
    lease: timedelta,
    routine_share: float = 0.0,
) -> list[Due]:
    """Pending notifications whose time has come, urgent first, leased to this dispatcher.

    ``routine_share`` of the batch is kept for routine notifications while urgent ones wait,
    so that reminders keep flowing during a call-out; what routine does not use goes to urgent.
    The lease moves them out of other dispatchers' way; an outcome replaces it, and a crash
    before the outcome lets them come due again when it ends (at least once, never lost).
    """
    kept = min(limit, math.ceil(limit * routine_share))
    urgent = await _due(session, now, Priority.URGENT, limit)
    routine = await _due(session, now, Priority.ROUTINE, limit - min(len(urgent), limit - kept))
    batch = urgent[: limit - len(routine)] + routine
    ids = [due.notification.id for due in batch]
    if ids:
        until = now + lease
        # One statement for the whole lease, not one per row.
        await session.execute(
            update(_NOTIFICATIONS).where(_NOTIFICATIONS.c.id.in_(ids)).values(next_attempt_at=until)
        )
        for due in batch:
            due.notification.next_attempt_at = until
    return batch


async def release(session: AsyncSession, ids: Sequence[UUID], now: datetime) -> None:
    """Make claimed notifications due again now (a round claimed but never sent)."""
    if ids:
        await session.execute(
            update(_NOTIFICATIONS).where(_NOTIFICATIONS.c.id.in_(ids)).values(next_attempt_at=now)
        )


async def _due(session: AsyncSession, now: datetime, lane: Priority, limit: int) -> list[Due]:
    """Up to ``limit`` due notifications of one lane, oldest first, locked against others."""
    if limit <= 0:
        return []
    n = _NOTIFICATIONS.c
    query = (
        select(*_PENDING_COLUMNS, *_RECIPIENT_COLUMNS, PreferenceRow.__table__.c.language)
        .select_from(_NOTIFICATIONS)
        .outerjoin(_RECIPIENTS, _RECIPIENTS.c.person_id == n.recipient_id)
        .outerjoin(PreferenceRow, PreferenceRow.person_id == n.recipient_id)
        .where(n.status == PENDING, n.priority == lane, n.next_attempt_at <= now)
        .order_by(n.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=_NOTIFICATIONS)  # PostgreSQL; SQLite ignores it
    )
    split = len(_PENDING_COLUMNS)
    end = split + len(_RECIPIENT_COLUMNS)
    return [
        Due(
            Pending(*row[:split]),
            Recipient(*row[split:end]) if row[split] is not None else None,
            row[end],
        )
        for row in (await session.execute(query)).all()
    ]


async def record(
    session: AsyncSession,
    outbox: Outbox,
    outcomes: Sequence[Outcome],
    *,
    policy: RetryPolicy,
    now: datetime,
    rng: Random,
    contact_wait: timedelta,
) -> list[Pending]:
    """Apply the outcomes of one round in one transaction; return the notifications that settled."""
    events: list[Outgoing] = []
    rows = [outcome.notification for outcome in outcomes]
    for outcome in outcomes:
        row = outcome.notification
        if outcome.channel is None:
            _await_contact(row, now, contact_wait)
        elif outcome.reason is None:
            _count_attempt(row, outcome.channel)
            row.status, row.delivered_at = DELIVERED, now
            events.append(_announce(row, _delivered(row), outcome.traceparent))
        else:
            _failed_attempt(row, outcome, policy, now, rng)
        if row.status == FAILED:
            events.append(_announce(row, _failed(row), outcome.traceparent or row.traceparent))
    if rows:
        params = [{"b_id": r.id} | {f"b_{k}": getattr(r, k) for k in _MUTABLE} for r in rows]
        await session.execute(_SAVE, params)
    await outbox.stage(session, *events)
    by_id = {row.id: row for row in rows}
    failed = [e for e in events if e.envelope.type == NotificationFailed.kind.type_name]
    for out in failed:
        await escalate(session, by_id[_notification_of(out)], out)
    return [r for r in rows if r.status != PENDING]


def _count_attempt(row: Pending, channel: str) -> None:
    if row.channel != channel:
        row.channel, row.channel_attempts = channel, 0
    row.attempts += 1
    row.channel_attempts += 1


def _await_contact(row: Pending, now: datetime, wait: timedelta) -> None:
    """Reschedule a notification whose recipient is not known yet, or give up after a while."""
    if row.created_at < now - wait:
        row.status, row.last_error = FAILED, "no_contact"
    else:
        row.next_attempt_at = now + AWAIT_CONTACT


def _failed_attempt(
    row: Pending, outcome: Outcome, policy: RetryPolicy, now: datetime, rng: Random
) -> None:
    """Retry later, fall back to the next channel, or give up."""
    assert outcome.channel is not None
    assert outcome.reason is not None
    _count_attempt(row, outcome.channel)
    row.last_error = outcome.reason
    tried = [*row.channels_tried, outcome.channel]
    decision = after_failure(
        policy=policy,
        plan=outcome.plan,
        tried=tried,
        attempts_on_channel=row.channel_attempts,
        permanent=outcome.permanent,
        now=now,
        rng=rng,
    )
    if isinstance(decision, Retry):
        row.next_attempt_at = max(decision.at, outcome.not_before or decision.at)
        return
    row.channels_tried = tried
    if isinstance(decision, Fallback):
        row.channel, row.channel_attempts, row.next_attempt_at = decision.channel, 0, now
        return
    assert isinstance(decision, GiveUp)
    row.status = FAILED


def _delivered(row: Pending) -> NotificationDelivered:
    return NotificationDelivered(
        notification_id=row.id,
        cause_event_id=row.cause_event_id,
        recipient_id=row.recipient_id,
        channel=row.channel,
        attempts=row.attempts,
    )


def _failed(row: Pending) -> NotificationFailed:
    return NotificationFailed(
        notification_id=row.id,
        cause_event_id=row.cause_event_id,
        recipient_id=row.recipient_id,
        channels_tried=tuple(row.channels_tried),
        reason_code=row.last_error or "no_contact",
    )


def _announce(row: Pending, event: Event, traceparent: str | None) -> Outgoing:
    """The event, in the trace of the attempt that settled the notification."""
    out = wrap(event, source=SOURCE, subject=f"notification/{row.id}", region=row.cause_region)
    envelope = out.envelope.model_copy(update={"traceparent": traceparent})
    return out.model_copy(update={"envelope": envelope})


def _notification_of(out: Outgoing) -> UUID:
    return UUID(out.envelope.subject.removeprefix("notification/"))


async def escalate(session: AsyncSession, row: Pending, out: Outgoing) -> None:
    """Tell the regency's operator when the same person failed to hear from us repeatedly."""
    if await directory.kind_of(session, row.recipient_id) in (directory.OPERATOR, directory.SYSTEM):
        return  # operators and systems are ops' concern, not a regency operator's
    event = NotificationFailed.model_validate_json(out.body)
    facts = CaseFacts(region=row.cause_region)
    for rule in rules_for(NotificationFailed):
        if row.template == rule.template:
            continue  # never escalate an escalation
        since = row.created_at - timedelta(hours=REPEAT_WINDOW_HOURS)
        # Failures up to this one (ids are time-ordered), so that several failing in one
        # round still make exactly one of them the n-th.
        failures = await session.scalar(
            select(func.count()).where(
                NotificationRow.recipient_id == row.recipient_id,
                NotificationRow.status == FAILED,
                NotificationRow.created_at >= since,
                NotificationRow.id <= row.id,
            )
        )
        if failures == rule.repeats:
            envelope = out.envelope.model_copy(update={"traceparent": row.traceparent})
            await enqueue(session, rule, event, envelope, facts)
