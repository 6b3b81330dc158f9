"""Cases tables: for now its replica of the registry (who is certified, where)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Date, String, Uuid, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pilar_kit.auth import Principal, region_filter
from pilar_kit.db import UtcDateTime, new_metadata
from pilar_kit.inbox import inbox_table
from pilar_kit.outbox import outbox_table


class Base(DeclarativeBase):
    """Declarative base of the cases database."""

    metadata = new_metadata()


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class PillarRow(Base):
    """Cases' replica of one certified PSKS person, built from registry events."""

    __tablename__ = "pillars"
    volunteer_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    psks_type: Mapped[str] = mapped_column(String(8), index=True)
    region: Mapped[str] = mapped_column(String(13), index=True)
    scheme: Mapped[str] = mapped_column(String(32))
    valid_until: Mapped[date | None] = mapped_column(Date)
    certified_at: Mapped[datetime] = mapped_column(UtcDateTime)


async def replicate_certification(
    session: AsyncSession,
    *,
    volunteer_id: UUID,
    psks_type: str,
    region: str,
    scheme: str,
    valid_until: date | None,
    at: datetime,
) -> None:
    """Upsert the replica; an older certification event never overwrites a newer one."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {
        "volunteer_id": volunteer_id,
        "psks_type": psks_type,
        "region": region,
        "scheme": scheme,
        "valid_until": valid_until,
        "certified_at": at,
    }
    stmt = insert(PillarRow).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[PillarRow.volunteer_id],
        set_={k: stmt.excluded[k] for k in values if k != "volunteer_id"},
        where=PillarRow.certified_at <= stmt.excluded.certified_at,
    )
    await session.execute(stmt)


async def pillars_in_scope(session: AsyncSession, who: Principal, limit: int) -> list[PillarRow]:
    """Certified pillars the principal may see, newest first."""
    query = (
        select(PillarRow)
        .where(region_filter(PillarRow.region, who))
        .order_by(PillarRow.certified_at.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
