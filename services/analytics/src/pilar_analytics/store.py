"""Analytics read models: tables built only from events, rebuildable by replay."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import String, Uuid, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pilar_kit.db import UtcDateTime, new_metadata
from pilar_kit.inbox import inbox_table
from pilar_kit.outbox import outbox_table


class Base(DeclarativeBase):
    """Declarative base of the analytics database."""

    metadata = new_metadata()


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class CertifiedVolunteerRow(Base):
    """A PSKS person counted once as certified, with where they serve."""

    __tablename__ = "certified_volunteers"
    volunteer_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    province: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str] = mapped_column(String(13))
    psks_type: Mapped[str] = mapped_column(String(8))
    first_certified_at: Mapped[datetime] = mapped_column(UtcDateTime)


async def record_certified(
    session: AsyncSession,
    *,
    volunteer_id: UUID,
    region: str,
    psks_type: str,
    at: datetime,
) -> None:
    """Count a volunteer as certified once, whatever the order or number of certifications."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {
        "volunteer_id": volunteer_id,
        "province": region[:2],
        "region": region,
        "psks_type": psks_type,
        "first_certified_at": at,
    }
    await session.execute(insert(CertifiedVolunteerRow).values(values).on_conflict_do_nothing())


async def certified_per_province(session: AsyncSession, province: str | None) -> dict[str, int]:
    """Certified PSKS people per province, optionally for one province."""
    query = select(CertifiedVolunteerRow.province, func.count()).group_by(
        CertifiedVolunteerRow.province
    )
    if province:
        query = query.where(CertifiedVolunteerRow.province == province)
    return {p: int(n) for p, n in (await session.execute(query)).all()}
