"""The read models: one table per kind of record, each row placed in its region and dated.

Every row carries the event times it was built from, so any figure can be asked "as of" a past
moment; ``region`` is the deepest code known and ``province``/``regency``/``district`` its
prefixes, for grouping one level down. The indicator queries read covering indexes (all the
columns they need, led by the columns a national figure groups by), so that a figure of the whole
country is one pass over an index in its own order, not a sort of the rows.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import JSON, Boolean, Date, Float, Index, Integer, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pilar_kit.db import UtcDateTime, new_metadata
from pilar_kit.inbox import inbox_table
from pilar_kit.outbox import outbox_table


class Base(DeclarativeBase):
    """Declarative base of the analytics database."""

    metadata = new_metadata()


outbox = outbox_table(Base.metadata)
inbox = inbox_table(Base.metadata)


class Placed:
    """Region columns shared by every regional read model."""

    region: Mapped[str | None] = mapped_column(String(13))
    # no index of their own: the figures' covering indexes lead with them (institutions and
    # notifications have their own)
    province: Mapped[str | None] = mapped_column(String(2))
    regency: Mapped[str | None] = mapped_column(String(5))
    district: Mapped[str | None] = mapped_column(String(8))


class Touched:
    """The UTC day of a row's latest moment (its start): rows touched since moved the figures.

    A day, not the moment, so that its index entry moves once a day per row, not per event.
    """

    touched_on: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class PersonRow(Placed, Touched, Base):
    """A PSKS person: registered, verified by a second operator."""

    __tablename__ = "psks_people"
    __table_args__ = (
        Index(
            "ix_psks_people_counted",
            *("province", "psks_type", "regency", "district"),
            *("registered_at", "verified_at", "volunteer_id"),
        ),
        # PSM alone (a type), in the order their length of service is ranked by.
        Index(
            "ix_psks_people_by_type",
            *("psks_type", "province", "verified_at", "registered_at", "regency", "district"),
            "volunteer_id",
        ),
    )
    volunteer_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    psks_type: Mapped[str | None] = mapped_column(String(8))
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StatusChangeRow(Base):
    """A PSKS person's or institution's availability from a moment on (event-dated)."""

    __tablename__ = "psks_status_changes"
    event_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    volunteer_id: Mapped[UUID] = mapped_column(Uuid, index=True)  # or an institution's id
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class CertificationRow(Placed, Touched, Base):
    """A certification with its validity and, once known, its end (expired or revoked)."""

    __tablename__ = "psks_certifications"
    __table_args__ = (
        Index(
            "ix_psks_certifications_in_force",
            *("province", "psks_type", "regency", "district", "certified_at"),
            *("valid_from", "valid_until", "ended_at", "volunteer_id"),
        ),
    )
    certification_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    volunteer_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    psks_type: Mapped[str | None] = mapped_column(String(8))
    scheme: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(64))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    certified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(16))
    days_left: Mapped[int | None] = mapped_column(Integer)


class InstitutionRow(Placed, Touched, Base):
    """A PSKS institution (LKS, LK3, Karang Taruna, ...)."""

    __tablename__ = "psks_institutions"
    __table_args__ = (
        Index("ix_psks_institutions_province", "province"),
        Index("ix_psks_institutions_regency", "regency"),
    )
    institution_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    psks_type: Mapped[str | None] = mapped_column(String(8))
    registered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AccreditationRow(Base):
    """An institution's accreditation grade, valid until a date (event-dated)."""

    __tablename__ = "psks_accreditations"
    event_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    institution_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    grade: Mapped[str] = mapped_column(String(1))
    valid_until: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class CaseRow(Placed, Touched, Base):
    """A PMKS case with the times of its milestones."""

    __tablename__ = "pmks_cases"
    __table_args__ = (
        Index(
            "ix_pmks_cases_open",
            *("province", "regency", "district", "opened_at", "closed_at", "pmks_category"),
            *("assessed_at", "referred_at", "accepted_at", "completed_at"),
        ),
    )
    case_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    pmks_category: Mapped[str | None] = mapped_column(String(8))
    urgency: Mapped[str | None] = mapped_column(String(16))
    disaster_id: Mapped[UUID | None] = mapped_column(Uuid)
    risk_level: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(64))
    closing_stage: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    referred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReferralRow(Placed, Touched, Base):
    """A referral of a case to a pillar, with the times of its answer and completion."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index(
            "ix_referrals_funnel",
            *("province", "regency", "district", "referred_at", "accepted_at", "completed_at"),
            *("declined_at", "expired_at", "withdrawn_at", "to_id"),
        ),
        # Ordered by the duration: a percentile is read at an offset, without a sort.
        Index(
            "ix_referrals_accept_hours",
            *("accept_hours", "accepted_at", "referred_at", "province", "regency"),
        ),
        Index(
            "ix_referrals_complete_hours",
            *("complete_hours", "completed_at", "referred_at", "province", "regency"),
        ),
    )
    referral_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    case_id: Mapped[UUID | None] = mapped_column(Uuid)
    to_kind: Mapped[str | None] = mapped_column(String(16))
    to_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    accepted_by: Mapped[UUID | None] = mapped_column(Uuid)
    service: Mapped[str | None] = mapped_column(String(64))
    attempt: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(64))
    quality: Mapped[int | None] = mapped_column(Integer)
    accept_by: Mapped[datetime | None] = mapped_column(UtcDateTime, info={"deadline": True})
    referred_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accept_hours: Mapped[float | None] = mapped_column(Float)
    complete_hours: Mapped[float | None] = mapped_column(Float)


class DisasterRow(Base):
    """A declared disaster and the regions it affects (space-separated codes)."""

    __tablename__ = "disasters"
    disaster_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    hazard: Mapped[str | None] = mapped_column(String(3))
    name: Mapped[str | None] = mapped_column(String(200))
    authority: Mapped[str | None] = mapped_column(String(64))
    decree_no: Mapped[str | None] = mapped_column(String(100))
    regions: Mapped[str | None] = mapped_column(String(4000))
    declared_event_id: Mapped[UUID | None] = mapped_column(Uuid)
    declared_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)


class DisasterStatusRow(Base):
    """A disaster's emergency status from a moment on (event-dated)."""

    __tablename__ = "disaster_status_changes"
    event_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    disaster_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class MobilizationRow(Base):
    """A call-out of Tagana for a disaster (event-dated)."""

    __tablename__ = "disaster_mobilizations"
    event_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    disaster_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    region: Mapped[str | None] = mapped_column(String(13))
    volunteer_count: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeploymentRow(Base):
    """One volunteer deployed to a disaster, and whether they acknowledged or declined."""

    __tablename__ = "disaster_deployments"
    deployment_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    disaster_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    volunteer_id: Mapped[UUID | None] = mapped_column(Uuid)
    task: Mapped[str | None] = mapped_column(String(32))
    report_to_region: Mapped[str | None] = mapped_column(String(13))
    deployed_event_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    deployed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NotificationRow(Placed, Base):
    """A notification and whether it reached its recipient."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_province", "province"),
        Index("ix_notifications_regency", "regency"),
    )
    notification_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    cause_event_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    recipient_id: Mapped[UUID | None] = mapped_column(Uuid)
    channel: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int | None] = mapped_column(Integer)
    reason_code: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class EarthquakeRow(Base):
    """An earthquake observation (BMKG-format feed)."""

    __tablename__ = "earthquakes"
    report_id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    magnitude: Mapped[float] = mapped_column(Float)
    depth_km: Mapped[float] = mapped_column(Float)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    tsunami_potential: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CoverageAlertRow(Base):
    """Whether a region's coverage is below target, as last announced (kept across rebuilds)."""

    __tablename__ = "coverage_alerts"
    region: Mapped[str] = mapped_column(String(13), primary_key=True)
    below: Mapped[bool] = mapped_column(Boolean)
    ratio: Mapped[float | None] = mapped_column(Float)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SnapshotRow(Base):
    """A figure of a region as of the start of a day, kept until an event from before it comes."""

    __tablename__ = "figure_snapshots"
    figure: Mapped[str] = mapped_column(String(64), primary_key=True)
    region: Mapped[str] = mapped_column(String(13), primary_key=True)
    boundary: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    body: Mapped[object] = mapped_column(JSON)


class SnapshotEpochRow(Base):
    """Counts the forgetting of snapshots, so a snapshot computed meanwhile is not kept."""

    __tablename__ = "snapshot_epoch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer)


READ_MODELS = tuple(
    table
    for name, table in Base.metadata.tables.items()
    if name not in {"outbox", "inbox", "coverage_alerts", "snapshot_epoch"}
)
"""The tables a rebuild empties and fills again from the streams."""
