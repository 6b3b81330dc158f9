"""Analytics HTTP API: every indicator per region, as of now or a past moment, scoped by role."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from pilar_analytics.api.access import Reader, ScopeDep, scoped_region
from pilar_analytics.api.schemas import (
    CasesPublic,
    CoveragePublic,
    CoverageRowPublic,
    DisastersPublic,
    ProvinceCount,
    PsksPublic,
    PsksRowPublic,
    PsmPublic,
    ReferralsPublic,
    TrendPublic,
    TypeCount,
)
from pilar_analytics.domain.indicators import below_target
from pilar_analytics.domain.regions import row_level
from pilar_analytics.indicators import cases, coverage, response, trend
from pilar_analytics.store import figures, psks
from pilar_contracts.reference.regions import region_name
from pilar_kit.http import RuntimeDep

router = APIRouter(prefix="/indicators", tags=["indicators"])


def _target(request: Request) -> float:
    target: float = getattr(request.app.state.runtime.settings, "coverage_target", 1.0)
    return target


@router.get("/coverage")
async def coverage_ratio(
    runtime: RuntimeDep,
    scope: ScopeDep,
    request: Request,
    target: Annotated[
        float | None, Query(gt=0, description="rasio target; bawaan dari setelan")
    ] = None,
) -> CoveragePublic:
    """PSKS active per open PMKS case for each region one level down, below target first."""
    goal = target if target is not None else _target(request)
    async with runtime.transaction() as session:
        rows = await coverage.coverage_rows(session, scope.at, scope.region, goal)
    return CoveragePublic(
        as_of=scope.at.isoformat(),
        target=goal,
        level=row_level(scope.region),
        rows=[
            CoverageRowPublic(
                region=row.region,
                name=region_name(row.region),
                psks_active=row.psks_active,
                psks_certified=row.psks_certified,
                pmks_open=row.pmks_open,
                ratio=row.ratio,
                below_target=below_target(row.ratio, goal),
            )
            for row in rows
        ],
    )


@router.get("/psks")
async def psks_by_type(runtime: RuntimeDep, scope: ScopeDep) -> PsksPublic:
    """Active and certified PSKS by type for each region one level down."""
    async with runtime.transaction() as session:
        found = await coverage.psks_by_type(session, scope.at, scope.region)
    rows = [
        PsksRowPublic(
            region=code,
            name=region_name(code),
            by_type={
                kind: TypeCount(active=a, certified=c) for kind, (a, c) in sorted(types.items())
            },
        )
        for code, types in found.items()
    ]
    return PsksPublic(as_of=scope.at.isoformat(), rows=rows)


@router.get("/cases")
async def open_cases(runtime: RuntimeDep, scope: ScopeDep) -> CasesPublic:
    """Open PMKS cases by category and stage for each region one level down."""
    async with runtime.transaction() as session:
        rows = await cases.case_rows(session, scope.at, scope.region)
    return CasesPublic(as_of=scope.at.isoformat(), rows=rows)


@router.get("/referrals")
async def referrals(runtime: RuntimeDep, scope: ScopeDep) -> ReferralsPublic:
    """The referral funnel of the region, with time to accept and to complete."""
    async with runtime.transaction() as session:
        return await cases.referral_funnel(session, scope.at, scope.region)


@router.get("/disasters")
async def disasters(runtime: RuntimeDep, scope: ScopeDep) -> DisastersPublic:
    """Response to each disaster touching the region: deployment time, volunteers, notifications."""
    async with runtime.transaction() as session:
        rows = await response.disaster_rows(session, scope.at, scope.region)
    return DisastersPublic(as_of=scope.at.isoformat(), rows=rows)


@router.get("/psm-activity")
async def psm_activity(runtime: RuntimeDep, scope: ScopeDep) -> PsmPublic:
    """PSM activity for each region one level down: frequency, intensity, length of service."""
    async with runtime.transaction() as session:
        rows = await cases.psm_rows(session, scope.at, scope.region)
    return PsmPublic(as_of=scope.at.isoformat(), rows=rows)


@router.get("/trend")
async def trend_of(
    runtime: RuntimeDep,
    scope: ScopeDep,
    indicator: trend.Indicator = "coverage",
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> TrendPublic:
    """One headline figure of the region, one point per day (as of the end of each day)."""
    async with runtime.transaction() as session:
        points = await trend.points(session, indicator, scope.region, scope.at, days)
    return TrendPublic(indicator=indicator, region=scope.region, points=points)


@router.get("/certified-volunteers")
async def certified_volunteers(runtime: RuntimeDep, who: Reader) -> list[ProvinceCount]:
    """Certified PSKS per province within the caller's region (superseded by ``/psks``)."""
    region = scoped_region(who, None)
    async with runtime.transaction() as session:
        counts = await figures.psks_counts(session, datetime.now(UTC), region, "province")
    per_province = {code: certified for code, (_, certified) in psks.totals(counts).items()}
    return [
        ProvinceCount(province=code, name=region_name(code), count=n)
        for code, n in sorted(per_province.items())
        if n
    ]
