"""Earthquake reports for operators: suggestions to consider, never declarations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from pilar_cases.api.deps import Operator
from pilar_cases.bmkg import ATTRIBUTION
from pilar_cases.store.earthquakes import recent_reports
from pilar_cases.store.tables import EarthquakeRow
from pilar_kit.http import RuntimeDep

router = APIRouter(prefix="/earthquakes", tags=["disasters"])


class DeclarationDraft(BaseModel):
    """What a declaration could start from, if an authority decrees one (never automatic)."""

    hazard: str = Field(description="107 gempabumi, 110 gempa bumi dan tsunami")
    name: str
    period_start: str


class EarthquakePublic(BaseModel):
    """A reported earthquake and the declaration it suggests."""

    report_id: UUID
    occurred_at: datetime
    magnitude: float
    depth_km: float
    latitude: float
    longitude: float
    tsunami_potential: bool
    felt: str | None
    area: str | None
    source: str = ATTRIBUTION
    suggestion: DeclarationDraft

    @classmethod
    def of(cls, row: EarthquakeRow) -> EarthquakePublic:
        """Map a stored report."""
        hazard = "110" if row.tsunami_potential else "107"
        label = "Gempa bumi dan tsunami" if row.tsunami_potential else "Gempabumi"
        name = f"{label} M{row.magnitude:.1f} {row.area or ''}".strip()[:200]
        draft = DeclarationDraft(
            hazard=hazard, name=name, period_start=row.occurred_at.date().isoformat()
        )
        return cls(
            report_id=row.report_id,
            occurred_at=row.occurred_at,
            magnitude=row.magnitude,
            depth_km=row.depth_km,
            latitude=row.latitude,
            longitude=row.longitude,
            tsunami_potential=row.tsunami_potential,
            felt=row.felt,
            area=row.area,
            suggestion=draft,
        )


@router.get("")
async def list_earthquakes(
    runtime: RuntimeDep,
    who: Operator,
    since: datetime | None = None,
    min_magnitude: Annotated[float, Query(ge=0, le=10)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[EarthquakePublic]:
    """Reported earthquakes, newest first, as suggestions: declaring stays a human decision."""
    async with runtime.transaction() as session:
        rows = await recent_reports(session, since=since, min_magnitude=min_magnitude, limit=limit)
    return [EarthquakePublic.of(row) for row in rows]
