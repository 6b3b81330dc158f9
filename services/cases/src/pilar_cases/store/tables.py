"""Cases tables: cases, referrals, sealed clients, audit log, registry replica, disasters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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
    # The broker searches a region range for some PSKS types (store/replica.candidates); an index
    # on the type alone made SQLite scan every pillar of those types in the country instead.
    __table_args__ = (Index("ix_pillars_region_type", "region", "psks_type"),)
    volunteer_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    psks_type: Mapped[str] = mapped_column(String(8))  # served by ix_pillars_region_type
    region: Mapped[str] = mapped_column(String(13), index=True)
    scheme: Mapped[str] = mapped_column(String(32))
    valid_until: Mapped[date | None] = mapped_column(Date)
    certified_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InstitutionRow(Base):
    """Cases' replica of one PSKS institution and its latest BALKS accreditation.

    Registration and accreditation may arrive in either order, so both halves are nullable.
    """

    __tablename__ = "replica_institutions"
    __table_args__ = (Index("ix_replica_institutions_region_type", "region", "psks_type"),)
    institution_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    psks_type: Mapped[str | None] = mapped_column(String(8))
    region: Mapped[str | None] = mapped_column(String(13))
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    grade: Mapped[str | None] = mapped_column(String(1))
    accredited_until: Mapped[date | None] = mapped_column(Date)
    accredited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    services: Mapped[str | None] = mapped_column(String(2000))  # space-separated service codes
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str | None] = mapped_column(String(16))  # None: active, nothing announced
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PillarCertificationRow(Base):
    """One certification of a replicated pillar; ``ended_at`` once revoked or expired."""

    __tablename__ = "pillar_certifications"
    certification_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    volunteer_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    valid_until: Mapped[date | None] = mapped_column(Date)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PillarStatusRow(Base):
    """The latest availability of a replicated pillar (absent means active)."""

    __tablename__ = "pillar_statuses"
    volunteer_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PillarCompetencyRow(Base):
    """The latest competencies of a replicated person, space-separated (absent means none known)."""

    __tablename__ = "pillar_competencies"
    volunteer_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    competencies: Mapped[str] = mapped_column(String(2000))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClientRow(Base):
    """A client named by client_ref; its personal data only sealed under its own key."""

    __tablename__ = "clients"
    client_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ClientKeyRow(Base):
    """A client's data key, wrapped by the master key; deleting it shreds the client's data.

    No foreign key to ``clients``: the table may live in a key database of its own
    (``PILAR_CASES_KEY_DATABASE_URL``), apart from the sealed data and its backups.
    """

    __tablename__ = "client_keys"
    client_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    master_key_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseRow(Base):
    """A PMKS case; no personal data beyond the client_ref."""

    __tablename__ = "cases"
    # One case per client and disaster: a victim list posted again finds the same cases.
    __table_args__ = (Index("ux_cases_disaster_client", "disaster_id", "client_ref", unique=True),)
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    client_ref: Mapped[str] = mapped_column(String(64), index=True)
    client_kind: Mapped[str] = mapped_column(String(16))
    pmks_category: Mapped[str] = mapped_column(String(7))
    region: Mapped[str] = mapped_column(String(13), index=True)
    urgency: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    consent_given: Mapped[bool]
    consent_by: Mapped[str] = mapped_column(String(255))
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    disaster_id: Mapped[UUID | None] = mapped_column(Uuid)
    opened_by: Mapped[str] = mapped_column(String(255))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    needs: Mapped[list[Any] | None] = mapped_column(JSON)
    risk_level: Mapped[str | None] = mapped_column(String(16))
    assessed_by: Mapped[str | None] = mapped_column(String(255))
    assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)


class ReferralRow(Base):
    """One attempt to link a case to a pillar."""

    __tablename__ = "referrals"
    __table_args__ = (UniqueConstraint("case_id", "attempt"),)
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("cases.id"), index=True)
    region: Mapped[str] = mapped_column(String(13))
    attempt: Mapped[int] = mapped_column(Integer)
    to_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    to_kind: Mapped[str] = mapped_column(
        String(16), default="volunteer", server_default="volunteer"
    )
    psks_type: Mapped[str] = mapped_column(String(8))
    service: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), index=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    accept_by: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason_code: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(64))
    quality: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class AuditRow(Base):
    """One audited use of personal data or override of consent."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    case_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    client_ref: Mapped[str | None] = mapped_column(String(64))


class DisasterRow(Base):
    """A declared state of disaster emergency and the authority that declared it."""

    __tablename__ = "disasters"
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    hazard: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32), index=True)
    authority: Mapped[str] = mapped_column(String(16))
    authority_region: Mapped[str] = mapped_column(String(13), index=True)
    decree_no: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    declared_by: Mapped[str] = mapped_column(String(255))
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)


class DisasterRegionRow(Base):
    """One region a disaster affects."""

    __tablename__ = "disaster_regions"
    disaster_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("disasters.id"), primary_key=True)
    region: Mapped[str] = mapped_column(String(13), primary_key=True, index=True)


class DisasterStatusRow(Base):
    """The history of a disaster's status: each stage with its decree, who recorded it, when."""

    __tablename__ = "disaster_status_log"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    disaster_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("disasters.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    decree_no: Mapped[str] = mapped_column(String(100))
    recorded_by: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EarthquakeRow(Base):
    """An earthquake reported by a BMKG-format feed, kept once per BMKG event identity."""

    __tablename__ = "earthquakes"
    report_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    magnitude: Mapped[float] = mapped_column(Float)
    depth_km: Mapped[float] = mapped_column(Float)
    tsunami_potential: Mapped[bool] = mapped_column(Boolean)
    felt: Mapped[str | None] = mapped_column(String(500))
    area: Mapped[str | None] = mapped_column(String(500))
    ingested_at: Mapped[datetime] = mapped_column(UtcDateTime)
