"""Response bodies of the indicator API (agreed with the dashboard)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class CoverageRowPublic(BaseModel):
    """Coverage of one region."""

    region: str
    name: str
    psks_active: int
    psks_certified: int
    pmks_open: int
    ratio: float | None = Field(description="psks_active / pmks_open; null when no case is open")
    below_target: bool


class CoveragePublic(BaseModel):
    """Coverage of the regions one level down, below target first."""

    as_of: str
    target: float
    level: Literal["province", "regency", "district"]
    rows: list[CoverageRowPublic]


class TypeCount(BaseModel):
    """Active and certified PSKS of one type."""

    active: int
    certified: int


class PsksRowPublic(BaseModel):
    """PSKS of one region by type."""

    region: str
    name: str
    by_type: dict[str, TypeCount]


class PsksPublic(BaseModel):
    """PSKS by type for the regions one level down."""

    as_of: str
    rows: list[PsksRowPublic]


class CasesRowPublic(BaseModel):
    """Open PMKS cases of one region."""

    region: str
    name: str
    open: int
    by_category: dict[str, int]
    by_stage: dict[str, int]


class CasesPublic(BaseModel):
    """Open cases for the regions one level down."""

    as_of: str
    rows: list[CasesRowPublic]


class Spread(BaseModel):
    """Median and 90th percentile, in hours."""

    median: float | None
    p90: float | None


class ReferralsPublic(BaseModel):
    """The referral funnel of a region and its times."""

    as_of: str
    referred: int
    accepted: int
    declined: int
    expired: int
    withdrawn: int = Field(description="called back by the case side, e.g. consent withdrawn")
    completed: int
    time_to_accept_hours: Spread
    time_to_complete_hours: Spread


class DisasterPublic(BaseModel):
    """The response to one disaster."""

    disaster_id: str
    hazard: str
    status: str
    regions: list[str]
    declared_at: str
    minutes_to_first_deployment: float | None
    volunteers_deployed: int
    volunteers_acknowledged: int
    notifications_delivered: int


class DisastersPublic(BaseModel):
    """Disasters touching a region."""

    as_of: str
    rows: list[DisasterPublic]


class PsmRowPublic(BaseModel):
    """PSM activity of one region."""

    region: str
    name: str
    active_psm: int
    referrals_completed: int
    referrals_per_psm: float | None
    median_service_days: float | None


class PsmPublic(BaseModel):
    """PSM activity for the regions one level down."""

    as_of: str
    rows: list[PsmRowPublic]


class TrendPoint(BaseModel):
    """One day of a trend."""

    date: str
    value: float | None


class TrendPublic(BaseModel):
    """A headline figure of a region, day by day."""

    indicator: str
    region: str
    points: list[TrendPoint]


class ProvinceCount(BaseModel):
    """A count for one province."""

    province: str
    name: str
    count: int
