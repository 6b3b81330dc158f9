"""The recipient directory: people from registry, operators and systems, and their preferences."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any
from uuid import UUID, uuid5

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from pilar_kit.auth.principal import NATIONAL, region_contains
from pilar_notifications.rules import Audience, Category, Operators, Systems
from pilar_notifications.settings import WebhookSubscriber
from pilar_notifications.store import PreferenceRow, RecipientRow

OPERATOR, SYSTEM = "operator", "system"
# Operators are named by their login's subject, which need not be a UUID.
_OPERATOR_IDS = UUID("0c7a1d2e-4f5b-5a6c-9d8e-7f6a5b4c3d2e")


def person_id(subject: str) -> UUID:
    """The directory id of a login: the subject itself when it is a UUID (PSKS), else derived."""
    try:
        return UUID(subject)
    except ValueError:
        return uuid5(_OPERATOR_IDS, subject)


def insert(session: AsyncSession):  # type: ignore[no-untyped-def]
    """The dialect's INSERT, which knows ON CONFLICT."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def upsert_recipient(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert or replace one directory entry, unless a newer one is already there."""
    await upsert_recipients(session, [values])


async def upsert_recipients(session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
    """Insert or replace directory entries in order, each unless a newer one is already there.

    Every entry has the same keys; one statement takes them all (executemany).
    """
    if entries:
        dialect = session.get_bind().dialect.name
        await session.execute(_upsert(dialect, tuple(entries[0])), list(entries))


@cache
def _upsert(dialect: str, keys: tuple[str, ...]) -> Any:
    """The dialect's upsert of a directory entry with these keys, built once."""
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RecipientRow)
    return stmt.on_conflict_do_update(
        index_elements=[RecipientRow.person_id],
        set_={k: stmt.excluded[k] for k in keys if k != "person_id"},
        where=RecipientRow.updated_at <= stmt.excluded.updated_at,
    )


def _overlaps(mine: Iterable[str], theirs: Iterable[str]) -> bool:
    """Whether any region of one list lies within, or contains, any region of the other."""
    return any(region_contains(a, b) or region_contains(b, a) for a in mine for b in theirs)


def answers_for(audience: Operators | Systems, regions: Sequence[str]) -> bool:
    """Whether an operator or system of ``regions`` belongs to the audience."""
    if isinstance(audience, Systems):
        return not regions or NATIONAL in regions or _overlaps(regions, audience.regions)
    if audience.exact:
        return any(r in audience.regions for r in regions)
    # Operators of the affected regions: national operators declared it or hear it otherwise.
    return _overlaps([r for r in regions if r != NATIONAL], audience.regions)


async def audience(session: AsyncSession, chosen: Audience) -> list[UUID]:
    """The directory ids an audience stands for."""
    if chosen is None:
        return []
    if isinstance(chosen, UUID):
        return [chosen]
    kind = SYSTEM if isinstance(chosen, Systems) else OPERATOR
    query = select(RecipientRow.person_id, RecipientRow.regions).where(
        RecipientRow.person_kind == kind
    )
    rows = (await session.execute(query)).all()
    return [pid for pid, regions in rows if answers_for(chosen, regions or [])]


async def without_opt_outs(
    session: AsyncSession, recipients: list[UUID], category: Category
) -> list[UUID]:
    """The recipients who did not opt out of a category."""
    if not recipients:
        return []
    query = select(PreferenceRow.person_id, PreferenceRow.opt_outs).where(
        PreferenceRow.person_id.in_(recipients)
    )
    declined = {
        pid for pid, opt_outs in (await session.execute(query)).all() if category in opt_outs
    }
    return [r for r in recipients if r not in declined]


async def kind_of(session: AsyncSession, recipient: UUID) -> str | None:
    """The kind of a directory entry (volunteer, institution, operator, system), if known."""
    return await session.scalar(
        select(RecipientRow.person_kind).where(RecipientRow.person_id == recipient)
    )


async def register_systems(session: AsyncSession, subscribers: Sequence[WebhookSubscriber]) -> None:
    """Make the configured webhook subscribers the directory's systems, and only them."""
    now = datetime.now(UTC)
    for subscriber in subscribers:
        values = {
            "person_id": subscriber.id,
            "person_kind": SYSTEM,
            "display_name": subscriber.name,
            "email": None,
            "phone": None,
            "whatsapp": None,
            "preferred_channels": ["webhook"],
            "language": "id",
            "updated_at": now,
            "regions": subscriber.regions,
        }
        await upsert_recipient(session, values)
    keep = [s.id for s in subscribers]
    await session.execute(
        delete(RecipientRow).where(
            RecipientRow.person_kind == SYSTEM, RecipientRow.person_id.not_in(keep)
        )
    )


async def save_preferences(
    session: AsyncSession, person: UUID, *, opt_outs: Sequence[Category], language: str | None
) -> PreferenceRow:
    """Record what a person chose; the caller has checked that each opt-out is allowed."""
    row = await session.get(PreferenceRow, person)
    if row is None:
        row = PreferenceRow(person_id=person)
        session.add(row)
    row.opt_outs = sorted({c.value for c in opt_outs})
    row.language, row.updated_at = language, datetime.now(UTC)
    return row


async def save_operator(
    session: AsyncSession,
    person: UUID,
    region: str,
    *,
    display_name: str,
    email: str | None,
    phone: str | None,
    whatsapp: str | None,
    preferred_channels: Sequence[str],
    language: str,
) -> None:
    """Record an operator's duty contact for the region of their authority."""
    values = {
        "person_id": person,
        "person_kind": OPERATOR,
        "display_name": display_name,
        "email": email,
        "phone": phone,
        "whatsapp": whatsapp,
        "preferred_channels": list(preferred_channels),
        "language": language,
        "updated_at": datetime.now(UTC),
        "regions": [region],
    }
    await upsert_recipient(session, values)
