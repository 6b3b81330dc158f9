"""Registry tables. Region is also kept split by level so that prefix search uses plain indexes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pilar_kit.db import UtcDateTime, new_metadata
from pilar_kit.inbox import inbox_table
from pilar_kit.outbox import outbox_table


class Base(DeclarativeBase):
    """Declarative base of the registry's own database."""

    metadata = new_metadata()


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class RegisteredPillar:
    """Columns every registered PSKS has, person or institution: where, how to reach, standing."""

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    psks_type: Mapped[str] = mapped_column(String(8))
    region: Mapped[str] = mapped_column(String(13))
    province: Mapped[str] = mapped_column(String(2))
    regency: Mapped[str] = mapped_column(String(5))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    whatsapp: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    verification: Mapped[str] = mapped_column(String(16))
    registered_by: Mapped[str] = mapped_column(String(100))
    verified_by: Mapped[str | None] = mapped_column(String(100))
    capacity: Mapped[int] = mapped_column(Integer)
    open_referrals: Mapped[int] = mapped_column(Integer, default=0)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)


class VolunteerRow(RegisteredPillar, Base):
    """A PSKS person."""

    __tablename__ = "volunteers"
    # Listings are pages in id order: each index ends with id, so a page stops after 50 rows
    # instead of sorting every match (a province holds tens of thousands of people).
    __table_args__ = (
        Index("ix_volunteers_regency_type_status", "regency", "psks_type", "status", "id"),
        Index("ix_volunteers_province_type_status", "province", "psks_type", "status", "id"),
        Index("ix_volunteers_type_status_id", "psks_type", "status", "id"),
        Index("ix_volunteers_province_id", "province", "id"),
        Index("ix_volunteers_district_id", "district", "id"),
        Index("ix_volunteers_region_id", "region", "id"),  # villages: one-per-post, search
    )
    district: Mapped[str] = mapped_column(String(8))
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    certifications: Mapped[list[CertificationRow]] = relationship(
        order_by="CertificationRow.valid_from", lazy="raise"
    )
    competencies: Mapped[list[CompetencyRow]] = relationship(lazy="raise")


class CompetencyRow(Base):
    """One competency of a person (a table, so that search by competency uses an index)."""

    __tablename__ = "volunteer_competencies"
    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteers.id"), primary_key=True)
    competency: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class CertificationRow(Base):
    """A certification, membership or licence held by a PSKS person."""

    __tablename__ = "certifications"
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteers.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str | None] = mapped_column(String(32))
    certificate_no: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(64))
    expired_announced: Mapped[bool] = mapped_column(default=False)


class ExpiryNoticeRow(Base):
    """An expiry notice already sent (days before the end), so the scheduler sends it once."""

    __tablename__ = "expiry_notices"
    certification_id: Mapped[UUID] = mapped_column(
        ForeignKey("certifications.id"), primary_key=True
    )
    days: Mapped[int] = mapped_column(Integer, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReferralRow(Base):
    """A referral to a person or institution as cases' events told it, for the load it carries."""

    __tablename__ = "referrals"
    referral_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    holder_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)  # unknown until named
    state: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TrainingRow(Base):
    """A training a PSKS person attended."""

    __tablename__ = "trainings"
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organiser: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[int] = mapped_column(Integer)
    competencies: Mapped[list[str]] = mapped_column(JSON)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DisasterRow(Base):
    """A disaster declaration as the registry remembers it, to call Tagana out exactly once."""

    __tablename__ = "disasters"
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    affected_regions: Mapped[list[str]] = mapped_column(JSON)
    declared_on: Mapped[date] = mapped_column(Date)
    called_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)


class DeploymentRow(Base):
    """A Tagana deployed to a disaster; one per person and disaster."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("disaster_id", "volunteer_id"),)
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    disaster_id: Mapped[UUID] = mapped_column(ForeignKey("disasters.id"))
    volunteer_id: Mapped[UUID] = mapped_column(ForeignKey("volunteers.id"), index=True)
    volunteer_region: Mapped[str] = mapped_column(String(13))
    task: Mapped[str] = mapped_column(String(32))
    report_to_region: Mapped[str] = mapped_column(String(13))
    status: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    replaces: Mapped[UUID | None] = mapped_column(Uuid)
    replaced_by: Mapped[UUID | None] = mapped_column(Uuid)
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)
