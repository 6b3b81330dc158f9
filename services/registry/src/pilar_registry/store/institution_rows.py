"""Tables of PSKS institutions and their accreditations."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pilar_registry.store.tables import Base, RegisteredPillar


class InstitutionRow(RegisteredPillar, Base):
    """A PSKS institution, family or network."""

    __tablename__ = "institutions"
    __table_args__ = (
        UniqueConstraint("psks_type", "registration_no"),
        Index("ix_institutions_region_type_name", "region", "psks_type", "name_key"),
        Index("ix_institutions_regency_type_status", "regency", "psks_type", "status"),
        Index("ix_institutions_province_type_status", "province", "psks_type", "status"),
    )
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    registration_no: Mapped[str | None] = mapped_column(String(64))
    district: Mapped[str] = mapped_column(String(8), index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    services: Mapped[list[InstitutionServiceRow]] = relationship(lazy="raise")
    accreditations: Mapped[list[AccreditationRow]] = relationship(
        order_by="AccreditationRow.valid_from", lazy="raise"
    )


class InstitutionServiceRow(Base):
    """One service an institution offers (a table, so that search by service uses an index)."""

    __tablename__ = "institution_services"
    institution_id: Mapped[UUID] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    service: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class AccreditationRow(Base):
    """An accreditation of an LKS (BALKS), with what the expiry scheduler already announced."""

    __tablename__ = "accreditations"
    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    institution_id: Mapped[UUID] = mapped_column(ForeignKey("institutions.id"), index=True)
    grade: Mapped[str] = mapped_column(String(1))
    accreditation_no: Mapped[str] = mapped_column(String(64), unique=True)
    issuer: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    last_notice_days: Mapped[int | None] = mapped_column(Integer)  # the nearest notice sent
    expired_announced: Mapped[bool] = mapped_column(default=False)
